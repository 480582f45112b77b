/* Offline reading, inside the service worker (imported by /sw.js).

   - Keeps the conversation list (/) and the last KEEP conversations opened (/c/<id>/) in a cache of pages named
     after the session: "staffroom-pages-<key>", where <key> is what the server put in the Staffroom-Offline-Key
     header of the page (staffroom/offline.py; derived from the session, never the session itself).
   - Network first, always: a kept page is shown only when the network cannot be reached at all.
   - There is at most one cache of pages. A page from the server that names another key, or "none" (nobody
     signed in: after signing out, an ended session, a lost-device report), drops every cache of pages first. So
     the next person on a shared device never sees the last one's conversations, even in a browser that ignores
     Clear-Site-Data.
   - Signing out or reporting a lost device from a page (a POST to one of FORGET_PATHS), or a page saying
     {type: "staffroom:forget"}, drops them too. */
"use strict";

var staffroomOffline = (function () {
  var PREFIX = "staffroom-pages-";
  var KEY_HEADER = "Staffroom-Offline-Key";
  var KEEP = 10; // conversations, besides the list
  var FORGET_PATHS = [];

  function configure(options) {
    FORGET_PATHS = options.forgetPaths || [];
  }

  function keepable(url) {
    if (url.search) return false;
    return url.pathname === "/" || /^\/c\/\d+\/$/.test(url.pathname);
  }

  function pageCaches() {
    return caches.keys().then(function (names) {
      return names.filter(function (name) { return name.indexOf(PREFIX) === 0; });
    });
  }

  function forget(except) {
    return pageCaches().then(function (names) {
      return Promise.all(names.filter(function (name) { return name !== except; }).map(function (name) {
        return caches.delete(name);
      }));
    });
  }

  // Keep a copy of a page just fetched, in this session's cache only; the oldest conversations go first.
  function remember(url, response) {
    if (response.type === "opaqueredirect") return Promise.resolve(); // the page it leads to is fetched next
    var key = response.headers.get(KEY_HEADER);
    if (!key || key === "none") return forget(null);
    var name = PREFIX + key.replace(/[^0-9a-f]/g, "");
    if (!response.ok || response.type !== "basic" || !keepable(url)) return forget(name);
    if ((response.headers.get("Content-Type") || "").indexOf("text/html") !== 0) return forget(name);
    var copy = response.clone();
    var address = url.origin + url.pathname;
    return forget(name).then(function () { return caches.open(name); }).then(function (cache) {
      // Deleted first, so that it moves to the end of the cache's order: the most recently read.
      return cache.delete(address).then(function () { return cache.put(address, copy); }).then(function () {
        return cache.keys();
      }).then(function (requests) {
        var conversations = requests.filter(function (r) { return new URL(r.url).pathname !== "/"; });
        var old = conversations.slice(0, Math.max(0, conversations.length - KEEP));
        return Promise.all(old.map(function (r) { return cache.delete(r); }));
      });
    }).catch(function () { /* full storage: reading offline is a convenience */ });
  }

  function kept(url) {
    return pageCaches().then(function (names) {
      if (!names.length) return undefined;
      return caches.open(names[0]).then(function (cache) { return cache.match(url.origin + url.pathname); });
    });
  }

  // Handles a navigation (a page load). Returns true when it answered the event.
  function navigate(event, offlinePage, shellCache) {
    var request = event.request;
    var url = new URL(request.url);
    if (request.method === "POST") {
      if (FORGET_PATHS.indexOf(url.pathname) !== -1) event.waitUntil(forget(null));
      return false;
    }
    if (request.method !== "GET") return false;
    event.respondWith(fetch(request).then(function (response) {
      event.waitUntil(remember(url, response));
      return response;
    }, function () {
      return (keepable(url) ? kept(url) : Promise.resolve(undefined)).then(function (hit) {
        return hit || caches.match(offlinePage, { cacheName: shellCache });
      });
    }));
    return true;
  }

  self.addEventListener("message", function (event) {
    if (event.data && event.data.type === "staffroom:forget") event.waitUntil(forget(null));
  });

  return { configure: configure, navigate: navigate, prefix: PREFIX };
})();
