/* Staffroom's service worker (served at /sw.js, scope /). Version {{ version }}.

   - Keeps the app shell (styles, scripts, icons, the offline page) in a cache named after this version, so a new
     release replaces it whole.
   - Pages: network first; without a network, a kept copy of the conversation list or a recently read
     conversation (offline-sw.js: per session, dropped at sign-out), else the offline page. API answers, fragments
     and files are never cached here.
   - Shows push notifications (they never carry message text) and opens the conversation when one is tapped. */
"use strict";

var CACHE = "staffroom-shell-{{ version }}";
var OFFLINE = "{{ offline_url }}";
var SHELL = {{ shell|safe }};
importScripts("{{ offline_sw_url }}");
staffroomOffline.configure({ forgetPaths: {{ forget_paths|safe }} });

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("staffroom-") === 0 && name !== CACHE && name.indexOf(staffroomOffline.prefix) !== 0;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    staffroomOffline.navigate(event, OFFLINE, CACHE);
    return;
  }
  if (request.method !== "GET") return;
  if (SHELL.indexOf(url.pathname) !== -1) {
    // The shell: from the cache (this version's), else the network.
    event.respondWith(caches.match(request, { cacheName: CACHE }).then(function (hit) {
      return hit || fetch(request);
    }));
  }
  // Everything else (the API, fragments, files) goes to the network as if there were no service worker.
});

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var url = typeof data.url === "string" && data.url.charAt(0) === "/" ? data.url : "/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      // Someone looking at Staffroom right now sees the message arrive live; a notification would repeat it.
      var looking = windows.some(function (w) { return w.focused && w.visibilityState === "visible"; });
      if (looking) return undefined;
      return self.registration.showNotification(data.title || "Staffroom", {
        body: data.body || "",
        tag: data.tag || "staffroom",
        renotify: true,
        icon: "{{ icon_url }}",
        badge: "{{ badge_url }}",
        data: { url: url }
      });
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === target && "focus" in windows[i]) return windows[i].focus();
      }
      for (var j = 0; j < windows.length; j++) {
        if ("navigate" in windows[j]) {
          return windows[j].navigate(target).then(function (w) { return w && w.focus(); });
        }
      }
      return self.clients.openWindow(target);
    })
  );
});

// The push service changed this device's subscription: the next page load subscribes again (push.js).
self.addEventListener("pushsubscriptionchange", function () {});
