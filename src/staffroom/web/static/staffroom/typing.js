// The typing indicator (typing_indicator.html). While the person writes in the composer, live.js's socket
// carries at most one `typing` frame every 3 seconds ("staffroom:send-typing"); the server relays it to the
// conversation's other members, whose pages show "<Name> is typing…" (live.js hands it over as
// "staffroom:typing") until 6 seconds pass without another or a message from them arrives. Nothing is kept.
(function () {
  "use strict";
  var body = document.body;
  var main = document.getElementById("main");
  // The indicator sits in the composer, which htmx replaces after each send: look it up each time.
  var shown = document.getElementById("typing-indicator");
  if (!body || !main || !shown || !main.dataset.conversationId || body.dataset.live !== "on") return;
  var conversationId = Number(main.dataset.conversationId);
  var me = Number(body.dataset.personId);
  var interval = Number(shown.dataset.interval) || 3000;
  var expires = Number(shown.dataset.expires) || 6000;
  var lastSent = 0;
  var typers = {}; // person id -> { name, until }
  var timer = null;

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box || box.id !== "composer-body" || !box.value.trim()) return;
    var now = Date.now();
    if (now - lastSent < interval) return;
    lastSent = now;
    body.dispatchEvent(new CustomEvent("staffroom:send-typing", { detail: conversationId }));
  });
  // Sent: the next keystroke may say so again at once.
  document.addEventListener("submit", function (event) {
    if (event.target && event.target.matches && event.target.matches("[data-composer]")) lastSent = 0;
  }, true);

  function say(name, values) {
    var s = shown.dataset[name] || "";
    Object.keys(values).forEach(function (k) { s = s.split("{" + k + "}").join(values[k]); });
    return s;
  }

  function render() {
    shown = document.getElementById("typing-indicator") || shown;
    var now = Date.now();
    var names = [];
    var next = Infinity;
    Object.keys(typers).forEach(function (id) {
      if (typers[id].until <= now) { delete typers[id]; return; }
      names.push(typers[id].name);
      next = Math.min(next, typers[id].until);
    });
    var text = "";
    if (names.length === 1) text = say("one", { name: names[0] });
    else if (names.length === 2) text = say("two", { first: names[0], second: names[1] });
    else if (names.length > 2) text = say("many", {});
    if (shown.textContent !== text) shown.textContent = text;
    if (timer !== null) window.clearTimeout(timer);
    timer = next === Infinity ? null : window.setTimeout(render, next - now + 50);
  }

  body.addEventListener("staffroom:typing", function (event) {
    var frame = event.detail || {};
    if (Number(frame.conversation_id) !== conversationId || Number(frame.person_id) === me) return;
    typers[String(frame.person_id)] = { name: String(frame.name || ""), until: Date.now() + expires };
    render();
  });

  document.addEventListener("htmx:afterSwap", function () { if (Object.keys(typers).length) render(); });

  // A message from someone who was typing ends their indicator.
  var list = document.getElementById("messages");
  if (list && "MutationObserver" in window) {
    new MutationObserver(function (changes) {
      var changed = false;
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType === 1 && node.dataset && typers[node.dataset.authorId]) {
            delete typers[node.dataset.authorId];
            changed = true;
          }
        });
      });
      if (changed) render();
    }).observe(list, { childList: true });
  }
})();
