// Personsäkerhetsportalen: keeps the emergency pages on the phone for use without network.
// Only the public pages below and their stylesheets are kept, fetched without cookies, so
// nothing personal is ever stored. Everything else goes to the network as usual.
"use strict";
const CACHE = "personsakerhet-{{ version }}";
const PAGES = [{% for url in pages %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const ASSETS = [{% for url in assets %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const OFFLINE_PAGE = "{{ offline_page|escapejs }}";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll([...PAGES, ...ASSETS].map(
        (url) => new Request(url, { credentials: "omit", cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((kept) => kept || fetch(request)));
  } else if (request.mode === "navigate") {
    // The network first, so that what is shown is current and, when logged in, personal;
    // the kept copy when there is no network, and for a kept page also when the server
    // answers with an error (the database or the portal is down, a proxy says 502).
    const isKept = PAGES.includes(url.pathname);
    const fallback = (answer) =>
      caches.match(isKept ? url.pathname : OFFLINE_PAGE).then((page) => page || answer);
    event.respondWith(
      fetch(request)
        .then((response) => (isKept && response.status >= 500 ? fallback(response) : response))
        .catch(() => fallback(Response.error())),
    );
  }
});
