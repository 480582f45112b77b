/* Staffroom: small page behaviours that work without the live connection.
   - filter a long list of people by name
   - fold the conversation list above a conversation on a phone
   - Ctrl+Enter (or Cmd+Enter) sends the message being written
   - open a conversation at its newest message
   No inline scripts: the Content-Security-Policy allows only files from this site. */
(function () {
  "use strict";

  // --- Filter a checkbox list: <input data-filter="list-id"> over <li data-filter-text="..."> ---
  function setUpFilters(root) {
    root.querySelectorAll("input[data-filter]").forEach(function (input) {
      var list = document.getElementById(input.dataset.filter);
      if (!list) return;
      input.hidden = false;
      var label = root.querySelector('label[for="' + input.id + '"]');
      if (label) label.hidden = false;
      input.addEventListener("input", function () {
        var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
        list.querySelectorAll("li[data-filter-text]").forEach(function (item) {
          var text = item.dataset.filterText || "";
          var match = words.every(function (w) { return text.indexOf(w) !== -1; });
          // A ticked person stays visible, so nobody is added without being seen.
          var ticked = item.querySelector("input:checked");
          item.hidden = !(match || ticked);
        });
      });
    });
  }

  // --- Conversation list: folded above a conversation on narrow screens, always open on wide ones ---
  function setUpSidebar() {
    var panel = document.getElementById("sidebar-panel");
    if (!panel || !window.matchMedia) return;
    var narrow = window.matchMedia("(max-width: 47.99rem)");
    function apply() {
      if (!narrow.matches) {
        panel.open = true;
      } else if (panel.hasAttribute("data-collapse-on-phone")) {
        panel.open = false;
      }
    }
    apply();
    if (narrow.addEventListener) narrow.addEventListener("change", apply);
  }

  // --- Ctrl+Enter sends ---
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var target = event.target;
    if (!(target instanceof HTMLTextAreaElement) || !target.form) return;
    event.preventDefault();
    if (target.form.requestSubmit) target.form.requestSubmit();
    else target.form.submit();
  });

  // --- Open a conversation at the bottom, where the newest messages and the composer are ---
  function scrollToNewest() {
    var main = document.getElementById("main");
    if (!main || !main.dataset.conversationId || main.dataset.liveAppend !== "true" || location.hash) return;
    var composer = document.getElementById("composer");
    if (composer) composer.scrollIntoView({ block: "end" });
  }

  function start() {
    setUpFilters(document);
    setUpSidebar();
    scrollToNewest();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
