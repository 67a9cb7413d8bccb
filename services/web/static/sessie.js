// The warning before a session ends for want of activity
// (R-SESSION-TIMEOUT). The page carries, in #sessie-waarschuwing, the
// seconds until the warning and until the end as the directory counted
// them when it rendered the page; this script counts them down by the
// browser's own clock, so the two clocks need not agree. "Ingelogd
// blijven" asks GET /v1/session, which counts as activity, and counts
// again from its answer. Other tabs of the same session learn the new end
// through localStorage. Without script the page still says, in its header,
// when the session ends.
(function () {
  'use strict';

  var dialog = document.getElementById('sessie-waarschuwing');
  if (!dialog) {
    return;
  }
  var countdown = document.getElementById('sessie-aftellen');
  var stay = document.getElementById('sessie-verlengen');
  var storageKey = 'ketenregie.sessie-einde';
  var warnTimer = null;
  var endTimer = null;
  var tickTimer = null;
  var endsAt = 0;

  function secondsFrom(value) {
    var n = Number(value);
    return Number.isFinite(n) ? n : 0;
  }

  function inWords(seconds) {
    if (seconds >= 60) {
      var minutes = Math.ceil(seconds / 60);
      return minutes === 1 ? '1 minuut' : minutes + ' minuten';
    }
    return seconds === 1 ? '1 seconde' : seconds + ' seconden';
  }

  function tick() {
    var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    countdown.textContent = inWords(left);
  }

  function hide() {
    dialog.hidden = true;
    clearInterval(tickTimer);
    tickTimer = null;
  }

  function warn() {
    if (!dialog.hidden) {
      return;
    }
    tick();
    dialog.hidden = false;
    // Each second would be read out aloud; the dialog is announced once,
    // and the countdown is there to read.
    tickTimer = setInterval(tick, 1000);
    stay.focus();
  }

  function ended() {
    hide();
    // The start page says the session has ended and offers a new login.
    window.location.assign('/');
  }

  // Counts down to an end at `end` (milliseconds by this browser's clock)
  // with the warning `warnBefore` milliseconds before it.
  function schedule(end, warnBefore) {
    endsAt = end;
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    hide();
    warnTimer = setTimeout(warn, Math.max(0, end - warnBefore - Date.now()));
    endTimer = setTimeout(ended, Math.max(0, end - Date.now()));
  }

  var warnBefore =
    (secondsFrom(dialog.dataset.endIn) - secondsFrom(dialog.dataset.warnIn)) * 1000;
  schedule(Date.now() + secondsFrom(dialog.dataset.endIn) * 1000, warnBefore);
  // This page's request was activity: tabs open before it count on.
  share();

  function share() {
    try {
      window.localStorage.setItem(storageKey, String(endsAt));
    } catch (e) {
      // Storage may be off; this tab still counts for itself.
    }
  }

  window.addEventListener('storage', function (event) {
    if (event.key === storageKey && event.newValue) {
      var end = Number(event.newValue);
      if (Number.isFinite(end) && end > endsAt) {
        schedule(end, warnBefore);
      }
    }
  });

  stay.addEventListener('click', function () {
    stay.disabled = true;
    fetch('/v1/session', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error('session ended');
        }
        return answer.json();
      })
      .then(function (session) {
        var answered = Date.parse(session.lastRequestTime);
        var end = Date.parse(session.endTime);
        var warnAt = Date.parse(session.warnTime);
        schedule(Date.now() + (end - answered), end - warnAt);
        share();
      })
      .catch(ended)
      .finally(function () {
        stay.disabled = false;
      });
  });
})();
