// Once a logout is done, the other tabs of the session learn it
// (static/sessie.js listens) and leave their pages, which may show a
// client's data. A new value each time, so that each logout is heard.
(function () {
  'use strict';
  try {
    window.localStorage.setItem('ketenregie.sessie-einde', 'uitgelogd:' + Date.now());
  } catch (e) {
    // Storage may be off: the other tabs end with their own count.
  }
})();
