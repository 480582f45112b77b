/* Fast paths in a conversation.
   - @mention autocomplete: typing "@" and part of a name in the message box lists the conversation's members
     whose name matches (the server decides who: its active members, as the send path does). It follows the
     ARIA combobox pattern: the message box has aria-expanded and aria-activedescendant, arrows move through
     the list, Enter or Tab picks, Escape closes; a tap picks on a phone. Picking writes "@handle ".
   - The "Pinned" strip at the top of a conversation is fetched again when a live event says the conversation
     (its pins) changed, or a message in it was deleted (a deleted message drops off the pins).
   - "Search here" in the conversation's header opens a search of this conversation only, cursor in its field.
   The words shown come from data-* attributes of #fastpaths-text, rendered (and translated) by the template. */
(function () {
  "use strict";

  var LIST_ID = "mention-list";
  var TOKEN = /(^|[\s(])@([^\s@]{0,40})$/u;
  var state = { open: false, items: [], active: -1, start: 0, end: 0, request: 0, timer: 0 };

  function text(name, fallback) {
    var holder = document.getElementById("fastpaths-text");
    return (holder && holder.dataset[name]) || fallback;
  }

  function conversationId() {
    var main = document.getElementById("main");
    return main ? main.dataset.conversationId : "";
  }

  function announce(message) {
    var region = document.getElementById("announcer");
    if (region) region.textContent = message;
  }

  function prepare(box) {
    if (box.dataset.mentions === "on") return;
    box.dataset.mentions = "on";
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-haspopup", "listbox");
    box.setAttribute("aria-controls", LIST_ID);
    box.setAttribute("aria-expanded", "false");
  }

  function listFor(box) {
    var list = document.getElementById(LIST_ID);
    if (list) return list;
    list = document.createElement("ul");
    list.id = LIST_ID;
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", text("mentionLabel", "People to mention"));
    list.hidden = true;
    var composer = box.closest(".composer") || box.parentNode;
    composer.appendChild(list);
    return list;
  }

  function close(box) {
    state.open = false;
    state.items = [];
    state.active = -1;
    window.clearTimeout(state.timer);
    state.request += 1;
    var list = document.getElementById(LIST_ID);
    if (list) {
      list.hidden = true;
      list.textContent = "";
    }
    if (box) {
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
    }
  }

  function setActive(box, index) {
    var list = document.getElementById(LIST_ID);
    if (!list || !state.items.length) return;
    state.active = (index + state.items.length) % state.items.length;
    Array.prototype.forEach.call(list.children, function (option, i) {
      option.setAttribute("aria-selected", i === state.active ? "true" : "false");
    });
    var chosen = list.children[state.active];
    box.setAttribute("aria-activedescendant", chosen.id);
    if (chosen.scrollIntoView) chosen.scrollIntoView({ block: "nearest" });
  }

  function show(box, people) {
    var list = listFor(box);
    list.textContent = "";
    state.items = people;
    if (!people.length) {
      close(box);
      announce(text("mentionNone", "Nobody in this conversation has that name."));
      return;
    }
    people.forEach(function (person, i) {
      var option = document.createElement("li");
      option.id = LIST_ID + "-" + i;
      option.setAttribute("role", "option");
      option.dataset.index = String(i);
      var name = document.createElement("span");
      name.className = "mention-name";
      name.textContent = person.name;
      var handle = document.createElement("span");
      handle.className = "mention-handle";
      handle.textContent = "@" + person.handle;
      option.appendChild(name);
      option.appendChild(document.createTextNode(" "));
      option.appendChild(handle);
      list.appendChild(option);
    });
    list.hidden = false;
    state.open = true;
    box.setAttribute("aria-expanded", "true");
    setActive(box, 0);
    announce(text("mentionCount", "{n} people found. Up and down arrows to choose, Enter to pick.").replace("{n}", people.length));
  }

  function lookup(box, query) {
    var id = conversationId();
    if (!id) return;
    var ticket = ++state.request;
    var url = "/api/v1/conversations/" + encodeURIComponent(id) + "/members?q=" + encodeURIComponent(query);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { items: [] };
      })
      .then(function (page) {
        if (ticket !== state.request || document.activeElement !== box) return;
        show(box, page.items || []);
      })
      .catch(function () {
        if (ticket === state.request) close(box);
      });
  }

  function pick(box, index) {
    var person = state.items[index];
    if (!person) return;
    var before = box.value.slice(0, state.start);
    var after = box.value.slice(state.end);
    var inserted = "@" + person.handle + " ";
    box.value = before + inserted + after.replace(/^\s/, "");
    var caret = before.length + inserted.length;
    box.setSelectionRange(caret, caret);
    close(box);
    box.focus();
    announce(text("mentionPicked", "{name} will be mentioned.").replace("{name}", person.name));
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function isComposer(target) {
    return target instanceof HTMLTextAreaElement && target.id === "composer-body";
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!isComposer(box)) return;
    prepare(box);
    var caret = box.selectionStart;
    var match = box.selectionStart === box.selectionEnd ? TOKEN.exec(box.value.slice(0, caret)) : null;
    if (!match) {
      if (state.open || state.timer) close(box);
      return;
    }
    state.start = caret - match[2].length - 1;
    state.end = caret;
    window.clearTimeout(state.timer);
    var query = match[2];
    state.timer = window.setTimeout(function () {
      state.timer = 0;
      lookup(box, query);
    }, 120);
  });

  // Capture, so that while the list is open Enter picks a name instead of sending (page.js sends on Enter).
  document.addEventListener(
    "keydown",
    function (event) {
      var box = event.target;
      if (!isComposer(box) || !state.open || event.isComposing) return;
      var handled = true;
      if (event.key === "ArrowDown") setActive(box, state.active + 1);
      else if (event.key === "ArrowUp") setActive(box, state.active - 1);
      else if (event.key === "Home" && event.altKey) setActive(box, 0);
      else if ((event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.metaKey) || (event.key === "Tab" && !event.shiftKey)) pick(box, state.active);
      else if (event.key === "Escape") close(box);
      else handled = false;
      if (handled) {
        event.preventDefault();
        event.stopPropagation();
      }
    },
    true
  );

  // A tap or click on a name picks it; pressing down does not take the focus out of the message box.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("#" + LIST_ID)) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("#" + LIST_ID + " [role=option]");
    if (!option) return;
    var box = document.getElementById("composer-body");
    if (box) pick(box, Number(option.dataset.index));
  });

  document.addEventListener("focusout", function (event) {
    if (!isComposer(event.target)) return;
    var box = event.target;
    window.setTimeout(function () {
      if (document.activeElement !== box) close(box);
    }, 150);
  });

  // --- The "Pinned" strip follows the conversation's pins live ---
  var stripTimer = 0;
  function refreshStrip() {
    window.clearTimeout(stripTimer);
    stripTimer = window.setTimeout(function () {
      var strip = document.getElementById("pinned-strip");
      if (!strip || !strip.dataset.refreshUrl) return;
      fetch(strip.dataset.refreshUrl, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (response) {
          return response.ok ? response.text() : "";
        })
        .then(function (html) {
          var current = document.getElementById("pinned-strip");
          if (!html || !current) return;
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#pinned-strip");
          if (fresh) current.replaceWith(fresh);
        })
        .catch(function () {});
    }, 150);
  }

  document.body.addEventListener("staffroom:event", function (event) {
    var data = event.detail || {};
    var here = Number(conversationId());
    if (!here) return;
    if (data.type === "conversation.updated" && data.conversation && data.conversation.id === here) refreshStrip();
    else if ((data.type === "message.deleted" || data.type === "message.edited") && data.message && data.message.conversation_id === here) {
      var strip = document.getElementById("pinned-strip");
      if (strip && !strip.hidden) refreshStrip();
    }
  });

  // --- Search in this conversation: opening the disclosure puts the cursor in its field ---
  document.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (!(details instanceof HTMLDetailsElement) || !details.open || !details.dataset.focusOnOpen) return;
      var field = document.getElementById(details.dataset.focusOnOpen);
      if (field) field.focus();
    },
    true
  );
})();
