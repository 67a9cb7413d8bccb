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
// A refusal (400, 403, 409) comes with the part of the page that says why:
// swap it in like a success.
htmx.config.responseHandling = [
  { code: '204', swap: false },
  { code: '[23]..', swap: true },
  { code: '40[0349]', swap: true, error: false },
  { code: '[45]..', swap: false, error: true },
];
// The history cache would keep pages with personal data in localStorage.
htmx.config.historyCacheSize = 0;
htmx.config.refreshOnHistoryMiss = true;

window.htmx = htmx;
