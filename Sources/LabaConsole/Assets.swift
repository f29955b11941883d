// The console's static assets, compiled into the binary (no files to install beside it, no
// `Bundle.module`, no CDN): one stylesheet and one small script. Served by exact name only.

enum Assets {
    struct Asset {
        var contentType: String
        var body: String
    }

    /// By the name after `/static/`; nothing else is served from there.
    static let all: [String: Asset] = [
        "console.css": Asset(contentType: "text/css; charset=utf-8", body: stylesheet),
        "console.js": Asset(contentType: "text/javascript; charset=utf-8", body: script),
        "talk.js": Asset(contentType: "text/javascript; charset=utf-8", body: talkScript),
        "talk-worklet.js": Asset(contentType: "text/javascript; charset=utf-8", body: talkWorklet),
    ]

    static let stylesheet = #"""
    :root { --fg: #1b1f23; --muted: #5b6570; --line: #d8dde3; --bg: #f6f7f9; --card: #fff; --accent: #0b63c4;
            --ok: #1d7a36; --warn: #a35b00; --bad: #b3261e; }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body { margin: 0; font: 16px/1.5 system-ui, "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif;
           color: var(--fg); background: var(--bg); overflow-wrap: anywhere; }
    header { background: #12324f; color: #fff; padding: .5rem 1rem; display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; }
    header .brand { font-weight: 700; font-size: 1.15rem; margin-right: auto; }
    header form { display: inline; margin: 0; }
    header button.link { background: none; border: 1px solid #ffffff66; color: #fff; padding: .3rem .7rem; min-height: 2.25rem; }
    header a.link { color: #fff; }
    .one-tap { margin-bottom: 1rem; }
    .one-tap form { display: inline-block; margin: 0 1rem .5rem 0; }
    nav { display: flex; flex-wrap: wrap; gap: .25rem; padding: .5rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
    nav a { padding: .5rem .75rem; border-radius: .4rem; color: var(--fg); text-decoration: none; }
    nav a.current { background: var(--accent); color: #fff; }
    main { max-width: 64rem; margin: 0 auto; padding: 1rem; }
    h1 { font-size: 1.4rem; margin: .25rem 0 1rem; }
    h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: .75rem; }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: .6rem; padding: .75rem 1rem; min-width: 0; }
    .card h3 { margin: 0 0 .25rem; font-size: 1.1rem; }
    .id { color: var(--muted); font-size: .8rem; font-family: ui-monospace, monospace; }
    .state { display: inline-block; padding: .05rem .6rem; border-radius: 1rem; font-size: .9rem; color: #fff; background: var(--muted); }
    .state.playing { background: var(--ok); } .state.unavailable, .state.failed { background: var(--bad); }
    .state.queued { background: var(--warn); } .state.completed { background: var(--accent); }
    .state.online { background: var(--ok); } .state.offline { background: var(--bad); }
    #units progress { display: block; }
    .map svg { width: 100%; height: auto; display: block; max-height: 80vh; }
    .legend .swatch { display: inline-block; width: 1rem; height: 1rem; border-radius: .2rem; vertical-align: -.15rem; margin: 0 .3rem 0 .6rem; }
    .legend .swatch.track { border-top: 3px dashed #0b63c4; height: .5rem; border-radius: 0; }
    progress { width: 100%; height: .8rem; }
    .muted { color: var(--muted); font-size: .9rem; }
    .flash { background: #e7f3ea; border: 1px solid #b5d8bf; padding: .6rem .9rem; border-radius: .5rem; margin-bottom: 1rem; }
    .error { background: #fbeaea; border: 1px solid #e5b5b1; padding: .6rem .9rem; border-radius: .5rem; margin-bottom: 1rem; }
    .danger { background: #fff4e5; border: 2px solid var(--bad); padding: .9rem; border-radius: .5rem; }
    form.stack label, fieldset label { display: block; margin: .35rem 0; }
    fieldset { border: 1px solid var(--line); border-radius: .5rem; margin: 0 0 1rem; padding: .5rem .9rem; background: #fff; min-width: 0; }
    legend { font-weight: 600; padding: 0 .3rem; }
    input[type=text], input[type=password], input[type=number], input[type=date], select { width: 100%; max-width: 28rem;
           font: inherit; padding: .55rem .6rem; border: 1px solid #aab3bd; border-radius: .4rem; background: #fff; }
    input[type=checkbox], input[type=radio] { width: 1.3rem; height: 1.3rem; vertical-align: -.25rem; margin-right: .4rem; }
    button, .button { font: inherit; padding: .65rem 1.2rem; min-height: 2.9rem; border: 0; border-radius: .5rem; background: var(--accent);
           color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
    button.secondary, .button.secondary { background: #e8ecf0; color: var(--fg); }
    button.stop, button.emergency { background: var(--bad); }
    button.talk { font-size: 1.3rem; min-height: 4.5rem; min-width: 14rem; border-radius: 2.5rem; }
    button.talk.on { background: var(--bad); }
    .talk-state meter { width: 100%; height: 1.2rem; display: block; }
    .waiting { background: #fff4e5; border: 1px solid #e8c48a; padding: .6rem .9rem; border-radius: .5rem; margin-bottom: 1rem; }
    .talk-state output { font-size: 1.4rem; font-variant-numeric: tabular-nums; }
    .tree label { padding-left: calc(var(--depth) * 1.2rem); }
    .row { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; }
    .row > * { flex: 1 1 10rem; min-width: 0; }
    .scroll { overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; background: #fff; font-size: .95rem; }
    th, td { border-bottom: 1px solid var(--line); padding: .4rem .5rem; text-align: left; vertical-align: top; }
    th { background: #eef1f4; }
    td.missing { color: var(--muted); text-align: center; }
    td.name { min-width: 8rem; overflow-wrap: normal; }
    a.play { display: inline-block; min-width: 2.6rem; padding: .35rem .6rem; border-radius: .4rem; background: #e8ecf0;
             color: var(--fg); text-decoration: none; text-align: center; }
    a.play.on { background: var(--ok); color: #fff; }
    .filters label { display: flex; flex-direction: column; }
    #coverage td:not(.name) { text-align: center; }
    button:disabled { opacity: .45; cursor: default; }
    audio { width: 100%; min-width: 10rem; max-width: 16rem; height: 2.2rem; }
    .login { max-width: 24rem; margin: 3rem auto; }
    .state { white-space: nowrap; }
    [hidden] { display: none !important; }
    input[type=time] { width: 100%; max-width: 28rem; font: inherit; padding: .55rem .6rem; border: 1px solid #aab3bd;
           border-radius: .4rem; background: #fff; }
    code { font-family: ui-monospace, monospace; background: #eef1f4; padding: .05rem .3rem; border-radius: .25rem; }
    .state.active, .state.added { background: var(--ok); } .state.paused, .state.moved, .state.changed { background: var(--warn); }
    .state.disabled, .state.removed { background: var(--bad); }
    .actions > * { flex: 0 1 auto; }
    .zone-entries { margin-left: min(calc(var(--depth) * 1rem), 3rem); }
    .zone-entries h3 { margin: 1rem 0 .4rem; font-size: 1.05rem; }
    .card.entry { margin: .5rem 0; } .card.entry p { margin: .2rem 0; }
    .card.entry .buttons { margin-top: .4rem; } .card.entry .buttons form { margin: 0; flex: 0 1 auto; }
    .card.entry[data-origin=technician] { background: #f9fafb; }
    #changes th, #changes td.id, #changes td.action { white-space: nowrap; overflow-wrap: normal; }
    #when .row label { display: flex; flex-direction: column; }
    .presets label { display: block; margin: .45rem 0; }
    .expression-line code { font-size: 1.05rem; }
    #next-times { margin: .25rem 0 .75rem; padding-left: 1.6rem; } #next-times li { font-variant-numeric: tabular-nums; }
    .flash { white-space: pre-line; }
    ul.zone-tree { list-style: none; margin: 0; padding: .5rem 1rem; }
    ul.zone-tree li { display: block; padding: .3rem 0 .3rem calc(var(--depth) * 1.4rem); border-bottom: 1px solid var(--line); }
    ul.zone-tree li:last-child { border-bottom: 0; }
    ul.zone-tree .zone-name { font-weight: 600; white-space: nowrap; }
    ul.zone-tree .speaker { display: inline-block; margin: .1rem .2rem; padding: 0 .5rem; border-radius: 1rem; background: #e7f3ea;
           color: var(--ok); font-size: .9rem; }
    details.technician summary { color: var(--muted); font-size: .85rem; cursor: pointer; }
    @media (max-width: 30rem) { main { padding: .75rem; } button { width: 100%; } header .brand { width: 100%; }
      .wide { display: none; } table { font-size: .85rem; } th, td { padding: .35rem .3rem; }
      /* Tables of records as cards on a phone: one card per row, each value under its column's name. */
      table.cardtable, table.cardtable tbody, table.cardtable tr, table.cardtable td { display: block; width: 100%; }
      table.cardtable { background: none; }
      table.cardtable tr:first-child { display: none; }
      table.cardtable tr { background: #fff; border: 1px solid var(--line); border-radius: .6rem; margin: 0 0 .6rem; padding: .4rem .6rem; }
      table.cardtable td { border: 0; padding: .15rem 0; }
      table.cardtable td[data-label]::before { content: attr(data-label) "："; color: var(--muted); font-size: .85rem; }
      table.cardtable td.name { font-weight: 600; }
      #coverage td[data-label] { display: inline-block; width: auto; margin-right: .8rem; text-align: left; } }
    """#

    static let script = #"""
    // Laba console: live state by server-sent events, uploads, and recording from the microphone.
    "use strict";
    (function () {
      var printNow = document.getElementById("print-now");
      if (printNow) printNow.addEventListener("click", function () { window.print(); });
      var csrf = (document.querySelector('meta[name="csrf"]') || {}).content || "";

      // The overview's live part is re-rendered by the server on every change of the engine.
      var live = document.getElementById("live");
      if (live && window.EventSource) {
        var source = new EventSource("/events");
        source.addEventListener("overview", function (e) { live.innerHTML = e.data; });
        // A commander's units: the rows of those that changed replace theirs (new units are added).
        source.addEventListener("units", function (e) {
          var table = document.getElementById("units");
          if (!table) return;
          var parsed = document.createElement("template");
          parsed.innerHTML = e.data;
          var summary = parsed.content.getElementById("units-summary"), shown = document.getElementById("units-summary");
          if (summary && shown) shown.textContent = summary.textContent;
          var body = table.tBodies[0] || table;
          parsed.content.querySelectorAll('tr[id^="unit-"]').forEach(function (row) {
            var old = document.getElementById(row.id);
            if (old) old.replaceWith(row); else body.appendChild(row);
            var none = document.getElementById("no-units");
            if (none) none.remove();
          });
        });
      }

      // The coverage page: its answer fetched again when a unit's record or status arrives (the
      // overview's events, batched by the server) or the office's own outputs change; at most
      // once every 5 s (a county's coverage is computed anew for each fetch).
      var coverageLive = document.getElementById("coverage-live");
      if (coverageLive && window.EventSource) {
        var coverageEvents = new EventSource("/events"), busy = false, again = false, last = 0;
        var refresh = function () {
          // A change during a fetch is fetched again after it (the answer may predate it).
          if (busy) { again = true; return; }
          busy = true;
          setTimeout(function () {
            last = Date.now();
            fetch(coverageLive.dataset.part, { credentials: "same-origin" }).then(function (r) {
              return r.ok ? r.text() : null;
            }).then(function (html) {
              if (html !== null) coverageLive.innerHTML = html;
            }).catch(function () {}).then(function () {
              busy = false;
              if (again) { again = false; refresh(); }
            });
          }, Math.max(0, last + 5000 - Date.now()));
        };
        coverageEvents.addEventListener("units", refresh);
        coverageEvents.addEventListener("overview", refresh);
      }

      // Emergency: the button says what it does, and the server asks once more.
      document.querySelectorAll('input[name="priority"]').forEach(function (radio) {
        radio.addEventListener("change", function () {
          var send = document.getElementById("send");
          if (send) send.classList.toggle("emergency", radio.value === "emergency" && radio.checked);
        });
      });

      // Deleting asks first (an entry of the schedule, an account): the form names what goes.
      document.querySelectorAll("form[data-confirm]").forEach(function (form) {
        form.addEventListener("submit", function (e) {
          if (!window.confirm(form.dataset.confirm)) e.preventDefault();
        });
      });

      // The coverage matrix: one player for every cell's button (a plain link without the script).
      var player = new Audio(), playing = null;
      player.addEventListener("ended", function () { if (playing) playing.classList.remove("on"); playing = null; });
      document.querySelectorAll("a.play").forEach(function (a) {
        a.addEventListener("click", function (e) {
          e.preventDefault();
          if (playing) playing.classList.remove("on");
          if (playing === a) { player.pause(); playing = null; return; }
          player.src = a.href; player.play(); playing = a; a.classList.add("on");
        });
      });

      // The schedule form: only the chosen preset's fields, and the expression they make, built by
      // the server as on preview; an edit after the preview asks for another before saving.
      var entry = document.getElementById("entry-form");
      if (entry) {
        var shown = document.getElementById("expression"), command = document.getElementById("command");
        var saveEntry = document.getElementById("save"), asked = 0;
        var update = function (edited) {
          var checked = entry.querySelector('input[name="preset"]:checked');
          var preset = checked ? checked.value : "daily";
          entry.querySelectorAll("[data-for]").forEach(function (el) {
            el.hidden = el.dataset.for.split(" ").indexOf(preset) < 0;
          });
          var fields = new URLSearchParams(new FormData(entry));
          fields.delete("csrf");
          var mine = ++asked;
          fetch("/schedule/expression?" + fields.toString(), { credentials: "same-origin" }).then(function (r) {
            return r.text().then(function (text) {
              if (mine !== asked) return;
              var lines = text.split("\n");
              shown.textContent = lines[0];
              shown.className = r.ok ? "" : "error";
              if (command) command.textContent = r.ok ? (lines[1] || "") : "";
            });
          }).catch(function () {});
          if (edited && saveEntry && !saveEntry.disabled) { saveEntry.disabled = true; saveEntry.textContent = saveEntry.dataset.stale; }
        };
        entry.addEventListener("input", function () { update(true); });
        entry.addEventListener("change", function () { update(true); });
        update(false);
      }

      // A CAP file sent from the alerts page; an emergency is sent again once the clerk confirms.
      var capSend = document.getElementById("cap-send");
      if (capSend) {
        var capStatus = document.getElementById("cap-status");
        var sendCap = function (file, confirmed) {
          var headers = { "X-CSRF-Token": csrf, "Content-Type": "application/xml" };
          if (confirmed) headers["X-Confirm"] = "yes";
          fetch("/alerts", { method: "POST", credentials: "same-origin", body: file, headers: headers }).then(function (r) {
            return r.text().then(function (text) {
              if (r.status === 409 && !confirmed && window.confirm(text)) { sendCap(file, true); return; }
              if (r.ok) { window.location = "/alerts?sent=" + encodeURIComponent(text); return; }
              capStatus.textContent = text; capStatus.className = "error";
            });
          }).catch(function () { capStatus.textContent = document.getElementById("alert-sender").dataset.failed; });
        };
        capSend.addEventListener("click", function () {
          var input = document.getElementById("cap-file");
          if (input.files.length) sendCap(input.files[0], false);
        });
      }

      var panel = document.getElementById("recorder");
      if (!panel) return;
      var status = document.getElementById("rec-status");
      var say = function (key) { status.textContent = panel.dataset[key] || key; };

      function save(blob) {
        var message = document.getElementById("rec-message").value.trim();
        var language = document.getElementById("rec-language").value;
        say("saving");
        fetch("/recordings/" + encodeURIComponent(message) + "/" + encodeURIComponent(language), {
          method: "PUT", credentials: "same-origin", body: blob,
          headers: { "X-CSRF-Token": csrf, "Content-Type": blob.type || "application/octet-stream" }
        }).then(function (r) {
          return r.text().then(function (text) { status.textContent = text; status.className = r.ok ? "flash" : "error"; });
        }).catch(function () { say("failed"); });
      }

      // An uploaded file is staged first (converted if a phone made it): heard, then saved or discarded.
      var review = document.getElementById("rec-review"), staged = null;
      function path() {
        return "/recordings/" + encodeURIComponent(document.getElementById("rec-message").value.trim()) + "/" +
          encodeURIComponent(document.getElementById("rec-language").value);
      }
      function stage(file) {
        review.hidden = true; staged = null;
        say("saving");
        fetch(path() + "/stage", {
          method: "PUT", credentials: "same-origin", body: file,
          headers: { "X-CSRF-Token": csrf, "Content-Type": "application/octet-stream" }
        }).then(function (r) {
          if (!r.ok) return r.text().then(function (text) { status.textContent = text; status.className = "error"; });
          return r.json().then(function (s) {
            staged = s.token;
            document.getElementById("rec-review-player").src = s.audio;
            document.getElementById("rec-review-length").textContent = s.length;
            document.getElementById("rec-review-replaces").textContent = s.replaces;
            review.hidden = false; status.textContent = ""; status.className = "muted";
          });
        }).catch(function () { say("failed"); });
      }
      document.getElementById("upload-file").addEventListener("change", function (e) {
        if (e.target.files.length) stage(e.target.files[0]);
      });
      document.getElementById("rec-confirm").addEventListener("click", function () {
        if (!staged) return;
        say("saving");
        fetch(path() + "/confirm?token=" + staged, {
          method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf }
        }).then(function (r) {
          return r.text().then(function (text) {
            status.textContent = text; status.className = r.ok ? "flash" : "error";
            if (r.ok) { review.hidden = true; staged = null; }
          });
        }).catch(function () { say("failed"); });
      });
      document.getElementById("rec-discard").addEventListener("click", function () {
        review.hidden = true; staged = null; document.getElementById("upload-file").value = "";
      });

      // Web Audio capture, encoded here as 16-bit mono WAV; the server trims the silence and measures it.
      var stream = null, context = null, node = null, chunks = [], wav = null;
      var start = document.getElementById("rec-start"), stop = document.getElementById("rec-stop");
      var keep = document.getElementById("rec-save"), preview = document.getElementById("rec-preview");
      start.addEventListener("click", function () {
        if (!navigator.mediaDevices) { say("insecure"); return; }
        navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
          stream = s; context = new AudioContext(); chunks = [];
          var input = context.createMediaStreamSource(s);
          node = context.createScriptProcessor(4096, 1, 1);
          node.onaudioprocess = function (e) { chunks.push(new Float32Array(e.inputBuffer.getChannelData(0))); };
          input.connect(node); node.connect(context.destination);
          start.disabled = true; stop.disabled = false; keep.disabled = true;
          say("recording");
        }).catch(function () { say("denied"); });
      });
      stop.addEventListener("click", function () {
        if (!node) return;
        node.disconnect(); stream.getTracks().forEach(function (t) { t.stop(); });
        wav = encode(chunks, context.sampleRate); context.close(); node = null;
        preview.src = URL.createObjectURL(wav); preview.hidden = false;
        start.disabled = false; stop.disabled = true; keep.disabled = false;
        say("recorded");
      });
      keep.addEventListener("click", function () { if (wav) save(wav); });

      function encode(parts, rate) {
        var n = parts.reduce(function (a, p) { return a + p.length; }, 0);
        var view = new DataView(new ArrayBuffer(44 + n * 2));
        var text = function (at, s) { for (var i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i)); };
        text(0, "RIFF"); view.setUint32(4, 36 + n * 2, true); text(8, "WAVE"); text(12, "fmt ");
        view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
        view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true);
        view.setUint16(34, 16, true); text(36, "data"); view.setUint32(40, n * 2, true);
        var at = 44;
        parts.forEach(function (p) {
          for (var i = 0; i < p.length; i++, at += 2) {
            var s = Math.max(-1, Math.min(1, p[i]));
            view.setInt16(at, s < 0 ? s * 0x8000 : s * 0x7FFF, true);
          }
        });
        return new Blob([view.buffer], { type: "audio/wav" });
      }
    })();
    """#

    /// The talk page: the socket, the microphone, the button's two presses.
    static let talkScript = #"""
    // Laba console: live talk from this browser's microphone (SPEC 14). One WebSocket per talk:
    // a text message naming the zones, then 20 ms of mono S16LE PCM at 48 kHz per binary message;
    // the daemon answers with its state and ends the talk when the socket closes.
    "use strict";
    (function () {
      var form = document.getElementById("talk-form");
      if (!form) return;
      var csrf = (document.querySelector('meta[name="csrf"]') || {}).content || "";
      var button = document.getElementById("talk"), status = document.getElementById("talk-status");
      var state = document.getElementById("talk-state"), level = document.getElementById("talk-level");
      var time = document.getElementById("talk-time");
      var socket = null, audio = null, stream = null, talking = false, ended = false, generation = 0;

      function say(text, kind) { status.textContent = text; status.className = kind || "muted"; }
      function idle() {
        generation++;
        talking = false; button.disabled = false; button.classList.remove("on"); button.textContent = form.dataset.start;
        if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
        if (audio) audio.close();
        stream = null; audio = null;
      }
      function clock(seconds) {
        var s = Math.floor(seconds);
        return Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
      }

      // The microphone, resampled to 48 kHz 16-bit by the worklet, 20 ms per message.
      // A talk that ended while the microphone was still being opened lets it go at once.
      function capture() {
        if (!navigator.mediaDevices || !window.AudioWorkletNode) return Promise.reject(new Error("insecure"));
        var mine = generation;
        return navigator.mediaDevices.getUserMedia({
          audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false }
        }).then(function (s) {
          if (mine !== generation) { s.getTracks().forEach(function (t) { t.stop(); }); throw new Error("ended"); }
          stream = s;
          try { audio = new AudioContext({ sampleRate: 48000, latencyHint: "interactive" }); } catch (e) { audio = new AudioContext(); }
          return audio.audioWorklet.addModule("/static/talk-worklet.js");
        }).then(function () {
          if (mine !== generation) throw new Error("ended");
          var source = audio.createMediaStreamSource(stream);
          var node = new AudioWorkletNode(audio, "laba-talk", { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
          var mute = audio.createGain();
          mute.gain.value = 0;
          node.port.onmessage = function (e) {
            if (!socket || socket.readyState !== WebSocket.OPEN || !talking) return;
            socket.send(e.data);
            // For the latency figure: when the first loud block left this browser.
            if (!form.dataset.loudSentAt) {
              var samples = new Int16Array(e.data);
              for (var i = 0; i < samples.length; i++) {
                if (samples[i] > 8000 || samples[i] < -8000) { form.dataset.loudSentAt = String(Date.now()); break; }
              }
            }
          };
          source.connect(node); node.connect(mute); mute.connect(audio.destination);
          return audio.resume();
        });
      }

      function start() {
        var zones = Array.prototype.map.call(form.querySelectorAll('input[name="zone"]:checked'), function (z) { return z.value; });
        var all = document.getElementById("zone-all").checked;
        if (!all && !zones.length) { say(form.dataset.choose, "error"); return; }
        var emergency = document.getElementById("priority-emergency").checked;
        if (emergency && !window.confirm(form.dataset.confirm)) return;
        talking = true; ended = false;
        delete form.dataset.loudSentAt; delete form.dataset.ended; delete form.dataset.talk;
        button.textContent = form.dataset.stop; button.classList.add("on");
        state.hidden = false; level.value = 0; time.textContent = "0:00";
        say(form.dataset.connecting);
        // This talk's socket: events of an earlier one, closing late, change nothing.
        var ws = socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/talk/socket");
        ws.binaryType = "arraybuffer";
        ws.onopen = function () {
          ws.send(JSON.stringify({ csrf: csrf, zones: zones, all: all, priority: emergency ? "emergency" : "manual" }));
        };
        ws.onmessage = function (e) {
          if (ws !== socket) return;
          var m = JSON.parse(e.data);
          if (m.state === "started") { say(m.text, m.onAir ? "flash" : "waiting"); form.dataset.talk = m.id; }
          else if (m.state === "level") {
            level.value = m.level; time.textContent = clock(m.seconds);
            if (m.text) say(m.text, m.onAir ? "flash" : "waiting");
          }
          else if (m.state === "ended" || m.state === "refused") {
            ended = true; say(m.text, m.state === "ended" ? "flash" : "error");
            if (m.state === "ended") { form.dataset.ended = m.reason; time.textContent = clock(m.seconds); }
            level.value = 0; idle();
          }
        };
        ws.onclose = function () {
          if (ws !== socket) return;
          if (!ended && talking) say(form.dataset.lost, "error");
          socket = null; idle();
        };
        capture().catch(function (e) {
          if (e && e.message === "ended") return;
          say(form.dataset.nomic, "error");
          if (socket) socket.close();
        });
      }

      function stop() {
        if (!socket) { idle(); return; }
        button.disabled = true; button.textContent = form.dataset.stopping;
        // The daemon ends the talk, says how it went, and closes.
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ stop: true })); else socket.close();
      }

      button.addEventListener("click", function () { if (talking) stop(); else start(); });
      document.querySelectorAll('input[name="priority"]').forEach(function (radio) {
        radio.addEventListener("change", function () { button.classList.toggle("emergency", radio.value === "emergency" && radio.checked); });
      });
    })();
    """#

    /// The talk's audio thread: the context's rate to 48 kHz (linear), Float to 16-bit, 20 ms blocks.
    static let talkWorklet = #"""
    "use strict";
    class LabaTalk extends AudioWorkletProcessor {
      constructor() {
        super();
        this.step = sampleRate / 48000;
        this.at = 0;        // where the next output sample falls, in input samples from this block's start
        this.last = 0;      // the previous block's last sample (position -1)
        this.block = new Int16Array(960);
        this.used = 0;
      }
      process(inputs, outputs) {
        var input = inputs[0] && inputs[0][0];
        if (!input || !input.length) return true;
        var n = input.length;
        while (this.at < n - 1) {
          var i = Math.floor(this.at), frac = this.at - i;
          var a = i < 0 ? this.last : input[i], b = input[i + 1];
          var v = Math.max(-1, Math.min(1, a + (b - a) * frac));
          this.block[this.used++] = v < 0 ? v * 0x8000 : v * 0x7FFF;
          if (this.used === this.block.length) {
            var full = this.block;
            this.port.postMessage(full.buffer, [full.buffer]);
            this.block = new Int16Array(960);
            this.used = 0;
          }
          this.at += this.step;
        }
        this.at -= n;
        this.last = input[n - 1];
        return true;
      }
    }
    registerProcessor("laba-talk", LabaTalk);
    """#
}
