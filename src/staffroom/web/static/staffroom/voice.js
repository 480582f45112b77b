// Voice notes. In the composer (composer_voice.html, only where the browser has MediaRecorder): press the
// microphone to record, press it again (or "Stop and send") to stop; the recording is put in the composer's
// file field and sent through the usual upload, where the server checks it really is audio. Cancel discards
// it. In messages, each voice note's length is shown beside its player (audio_attachment.html).
(function () {
  "use strict";
  var MAX_DEFAULT = 300;
  var TYPES = [
    ["audio/webm;codecs=opus", ".webm"],
    ["audio/ogg;codecs=opus", ".ogg"],
    ["audio/mp4", ".m4a"],
    ["audio/webm", ".webm"]
  ];

  function clock(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  // --- the length of each voice note in the page ---

  function labelOf(audio) {
    return audio.parentNode && audio.parentNode.querySelector("[data-voice-duration]");
  }

  function showDuration(audio) {
    var label = labelOf(audio);
    if (!label || audio.dataset.durationShown) return;
    if (isFinite(audio.duration) && audio.duration > 0) {
      label.textContent = clock(audio.duration);
      audio.dataset.durationShown = "on";
      if (audio.dataset.seeking) { delete audio.dataset.seeking; audio.currentTime = 0; }
    } else if (audio.readyState >= 1 && !audio.dataset.seeking) {
      // A recorded WebM does not say how long it is: seeking far past its end makes the browser find out.
      audio.dataset.seeking = "on";
      try { audio.currentTime = 1e7; } catch (e) { delete audio.dataset.seeking; }
    }
  }

  // Media events do not bubble, but they can be caught on the way down: this covers players added later
  // (live updates, older messages) as well as those in the page.
  ["loadedmetadata", "durationchange"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (event.target && event.target.matches && event.target.matches("audio[data-voice-note]")) showDuration(event.target);
    }, true);
  });
  document.querySelectorAll("audio[data-voice-note]").forEach(showDuration);

  // --- recording ---

  if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  document.documentElement.classList.add("can-record-voice");

  var session = null; // { recorder, stream, chunks, started, timer, type, ext, cancelled }

  function parts() {
    return {
      button: document.getElementById("composer-voice"),
      panel: document.querySelector("[data-voice-panel]"),
      error: document.querySelector("[data-voice-error]")
    };
  }

  function say(panel, name) {
    return (panel && panel.dataset[name]) || "";
  }

  function setRecording(on) {
    var p = parts();
    if (p.button) {
      p.button.setAttribute("aria-pressed", on ? "true" : "false");
      p.button.classList.toggle("recording", on);
      var label = p.button.querySelector("[data-voice-label]");
      var text = on ? p.button.dataset.labelStop : p.button.dataset.labelStart;
      if (label) label.textContent = text;
      p.button.title = text;
    }
    if (p.panel) p.panel.hidden = !on;
  }

  function showError(text) {
    var p = parts();
    if (!p.error) return;
    p.error.textContent = text;
    p.error.hidden = !text;
  }

  function pickType() {
    for (var i = 0; i < TYPES.length; i++) {
      if (!MediaRecorder.isTypeSupported || MediaRecorder.isTypeSupported(TYPES[i][0])) return TYPES[i];
    }
    return null;
  }

  function start() {
    var p = parts();
    var chosen = pickType();
    showError("");
    if (!chosen) { showError(say(p.panel, "msgFailed")); return; }
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var recorder;
      try {
        recorder = new MediaRecorder(stream, { mimeType: chosen[0] });
      } catch (e) {
        stream.getTracks().forEach(function (t) { t.stop(); });
        showError(say(parts().panel, "msgFailed"));
        return;
      }
      var max = Number(say(parts().panel, "maxSeconds")) || MAX_DEFAULT;
      session = { recorder: recorder, stream: stream, chunks: [], started: Date.now(), type: chosen[0].split(";")[0], ext: chosen[1], cancelled: false };
      var current = session;
      recorder.addEventListener("dataavailable", function (e) { if (e.data && e.data.size) current.chunks.push(e.data); });
      recorder.addEventListener("stop", function () { finish(current); });
      recorder.start(1000);
      setRecording(true);
      tick();
      current.timer = window.setInterval(function () {
        tick();
        if ((Date.now() - current.started) / 1000 >= max) stop(false);
      }, 250);
    }, function () {
      showError(say(parts().panel, "msgDenied"));
    });
  }

  function tick() {
    var timer = document.querySelector("[data-voice-timer]");
    if (timer && session) timer.textContent = clock((Date.now() - session.started) / 1000);
  }

  function stop(cancel) {
    if (!session) return;
    session.cancelled = cancel;
    window.clearInterval(session.timer);
    if (session.recorder.state !== "inactive") session.recorder.stop();
    else finish(session);
  }

  function finish(current) {
    current.stream.getTracks().forEach(function (t) { t.stop(); });
    if (session === current) session = null;
    setRecording(false);
    var p = parts();
    if (current.cancelled || !current.chunks.length) {
      if (p.button) p.button.focus();
      return;
    }
    var seconds = Math.round((Date.now() - current.started) / 1000);
    var name = (say(p.panel, "filename") || "Voice note") + " " + clock(seconds).replace(":", "m") + "s" + current.ext;
    var file = new File(current.chunks, name, { type: current.type });
    var form = p.button && p.button.closest("form");
    var input = form && form.querySelector("#composer-file");
    if (!form || !input || typeof DataTransfer === "undefined") { showError(say(p.panel, "msgFailed")); return; }
    var files = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (f) { files.items.add(f); });
    files.items.add(file);
    input.files = files.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    if (target.closest("[data-voice-record]")) {
      event.preventDefault();
      if (session) stop(false);
      else start();
    } else if (target.closest("[data-voice-stop]")) {
      stop(false);
    } else if (target.closest("[data-voice-cancel]")) {
      stop(true);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && session) { event.preventDefault(); stop(true); }
  });
})();
