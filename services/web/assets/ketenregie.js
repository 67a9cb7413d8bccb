// Ketenregie's script bundle: htmx (npm, pinned in package-lock.json), which
// makes forms and links that carry hx-* attributes update part of a page.
// Every form works without it: the page the server answers a plain post
// with is the same page. esbuild bundles this at build time.
import htmx from 'htmx.org';

// No inline style (the Content-Security-Policy forbids it: htmx's indicator
// styles are in ketenregie.css), no eval, and only this site's answers.
htmx.config.includeIndicatorStyles = false;
htmx.config.allowEval = false;
htmx.config.allowScriptTags = false;
htmx.config.selfRequestsOnly = true;
// Every answer is a page that says what happened, in Dutch: a refusal
// (400, 403, 409) comes with the part of the page that says why, and an
// error page (401, 5xx) says where its content goes (HX-Retarget): swap it
// in like a success.
htmx.config.responseHandling = [
  { code: '204', swap: false },
  { code: '[23]..', swap: true },
  { code: '4..', swap: true, error: false },
  { code: '5..', swap: true, error: true },
];
// The history cache would keep pages with personal data in localStorage.
htmx.config.historyCacheSize = 0;
htmx.config.refreshOnHistoryMiss = true;

// After a part of the page is replaced: the focus goes where the new part
// asks (the button it was on is gone), and what it announces is said in
// the page's live region, which stays (a replaced region is not read out).
document.addEventListener('htmx:afterSettle', () => {
  const focus = document.querySelector('[data-focus-after-swap]');
  if (focus) {
    focus.focus();
  }
  const announce = document.querySelector('[data-announce]');
  const live = document.getElementById('aankondiging');
  if (announce && live) {
    live.textContent = announce.textContent;
  }
});

window.htmx = htmx;
