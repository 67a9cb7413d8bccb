// The warning before a session ends (R-SESSION-TIMEOUT). The page carries,
// in #sessie-waarschuwing, the seconds until the warning and until the end
// as the directory counted them when it rendered the page; this script
// counts them down by the browser's own clock, so the two clocks need not
// agree. "Ingelogd blijven" asks GET /v1/session, which counts as activity,
// and counts again from its answer; when the end does not move (10 hours
// after the login no activity keeps a session), the dialog says so and
// offers nothing. Other tabs of the same browser learn a new end, and a
// logout, through localStorage. Without script the page still says, in its
// header, when the session ends.
(function () {
  'use strict';

  var dialog = document.getElementById('sessie-waarschuwing');
  if (!dialog) {
    return;
  }
  var countdown = document.getElementById('sessie-aftellen');
  var stay = document.getElementById('sessie-verlengen');
  var idleText = document.getElementById('sessie-waarschuwing-tekst');
  var finalText = document.getElementById('sessie-waarschuwing-einde');
  var failed = document.getElementById('sessie-verlengen-mislukt');
  var headerEnd = document.getElementById('sessie-einde-tijd');
  var storageKey = 'ketenregie.sessie-einde';
  // What /uitgelogd (static/uitgelogd.js) writes once a logout is done.
  var loggedOut = 'uitgelogd';
  var warnTimer = null;
  var endTimer = null;
  var tickTimer = null;
  var checkTimer = null;
  var leaving = false;
  var endsAt = 0;
  var warnBefore = 0;
  var focusBefore = null;
  var clock = new Intl.DateTimeFormat('nl-NL', {
    timeZone: 'Europe/Amsterdam',
    hour: '2-digit',
    minute: '2-digit'
  });

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
    if (dialog.hidden) {
      return;
    }
    dialog.hidden = true;
    clearInterval(tickTimer);
    tickTimer = null;
    // Back to where she was typing, if that is still on the page.
    if (focusBefore && document.contains(focusBefore)) {
      focusBefore.focus();
    }
    focusBefore = null;
  }

  function warn() {
    if (!dialog.hidden) {
      return;
    }
    tick();
    focusBefore = document.activeElement;
    dialog.hidden = false;
    // The dialog is announced once; the countdown is there to read, not
    // read out every second.
    tickTimer = setInterval(tick, 1000);
    (stay.hidden ? dialog : stay).focus();
  }

  function ended() {
    // Once: a second navigation would find the cookie the first one ended
    // already gone, and the start page could no longer say why.
    if (leaving) {
      return;
    }
    leaving = true;
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    clearInterval(checkTimer);
    // The start page says whether the session lives and offers a new login.
    window.location.assign('/');
  }

  // The timers, and a check now and then: timers sleep with the laptop
  // and slow down in a background tab, the clock does not.
  function check() {
    if (Date.now() >= endsAt) {
      ended();
    } else if (Date.now() >= endsAt - warnBefore) {
      warn();
    }
  }

  // Counts down to an end at `end` (milliseconds by this browser's clock).
  function schedule(end) {
    endsAt = end;
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(warn, Math.max(0, end - warnBefore - Date.now()));
    endTimer = setTimeout(ended, Math.max(0, end - Date.now()));
    if (headerEnd) {
      headerEnd.textContent = clock.format(new Date(end));
    }
  }

  // No activity moves the end on: say so, and offer nothing.
  function final() {
    stay.hidden = true;
    idleText.hidden = true;
    finalText.hidden = false;
    dialog.focus();
  }

  function share(value) {
    try {
      window.localStorage.setItem(storageKey, String(value));
    } catch (e) {
      // Storage may be off; this tab still counts for itself.
    }
  }

  warnBefore = (secondsFrom(dialog.dataset.endIn) - secondsFrom(dialog.dataset.warnIn)) * 1000;
  schedule(Date.now() + secondsFrom(dialog.dataset.endIn) * 1000);
  // This page's request was activity: tabs open before it count on.
  share(endsAt);
  checkTimer = setInterval(check, 15000);
  document.addEventListener('visibilitychange', check);
  window.addEventListener('pageshow', check);

  window.addEventListener('storage', function (event) {
    if (event.key !== storageKey || !event.newValue) {
      return;
    }
    if (event.newValue.indexOf(loggedOut) === 0) {
      if (!leaving) {
        leaving = true;
        window.location.assign('/uitgelogd');
      }
      return;
    }
    var end = Number(event.newValue);
    if (Number.isFinite(end) && end > endsAt) {
      schedule(end);
      hide();
    }
  });

  stay.addEventListener('click', function () {
    stay.disabled = true;
    failed.hidden = true;
    fetch('/v1/session', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (answer) {
        if (answer.status === 401) {
          ended();
          return null;
        }
        if (!answer.ok) {
          throw new Error('no answer');
        }
        return answer.json();
      })
      .then(function (session) {
        if (!session) {
          return;
        }
        var answered = Date.parse(session.lastRequestTime);
        var end = Date.now() + (Date.parse(session.endTime) - answered);
        if (end <= endsAt + 1000) {
          final();
          return;
        }
        schedule(end);
        share(end);
        hide();
      })
      .catch(function () {
        // The directory did not answer now; the session very likely lives.
        failed.hidden = false;
      })
      .finally(function () {
        stay.disabled = false;
      });
  });
})();
