/* cxjourney survey widget: the project's own vanilla JavaScript, no third-party code.
   <script src="https://YOUR-SERVER/w/widget.js" data-key="PUBLIC_WRITE_KEY" async></script>
   Options (data-*): user-id, lang (en|pl), require-consent ("true": wait for cxj.consent(true)).
   API: cxj.track(event), cxj.identify(userId), cxj.consent(bool), cxj.show(surveyId).
   State: cxj.ready (configuration read, triggers armed), cxj.decisions (the server's /w/show answers). Docs: docs/surveys.md */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || window.cxj && window.cxj.loaded) { return; }
  var base = me.src.replace(/\/w\/widget\.js.*$/, "");
  var key = me.getAttribute("data-key") || "";
  var lang = (me.getAttribute("data-lang") || document.documentElement.lang || "en").slice(0, 2) === "pl" ? "pl" : "en";
  var consent = me.getAttribute("data-require-consent") !== "true";
  var store = window.localStorage;
  var L = {
    en: { close: "Close", send: "Send", thanks: "Thank you!", req: "Please answer this question." },
    pl: { close: "Zamknij", send: "Wyślij", thanks: "Dziękujemy!", req: "Odpowiedz, proszę, na to pytanie." }
  }[lang];
  var cfg = null, open = null, asked = {}, waiting = {}, exitWaiting = [], early = [], decisions = [];

  function get(k) { try { return store.getItem(k); } catch (e) { return null; } }
  function put(k, v) { try { store.setItem(k, v); } catch (e) { /* private mode */ } }
  function ajs(k) { var v = get(k); try { return v ? JSON.parse(v) : null; } catch (e) { return v; } }
  var userId = me.getAttribute("data-user-id") || ajs("ajs_user_id") || null;
  var anonId = get("cxj_aid") || ajs("ajs_anonymous_id");
  if (!anonId) { anonId = "cxj-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10); }
  put("cxj_aid", anonId);

  function post(path, body, cb) {
    body.writeKey = key; body.userId = userId; body.anonymousId = anonId; body.language = lang;
    fetch(base + path, { method: "POST", body: JSON.stringify(body), keepalive: true,
      headers: { "Content-Type": "text/plain" } })
      .then(function (r) { return r.json(); }).then(function (j) { if (cb) { cb(j); } })
      .catch(function () { if (cb) { cb(null); } });
  }
  function tx(t) { return t ? (t[lang] || t.en) : ""; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text) { e.textContent = text; } /* text only: never HTML */
    return e;
  }
  function dismissedRecently(id) {
    var t = Number(get("cxj_dis_" + id) || 0);
    return t && (Date.now() - t) < (cfg.fatigue_days || 0) * 864e5;
  }

  function attempt(s) {
    if (!consent || open || asked[s.id] || dismissedRecently(s.id)) { return; }
    asked[s.id] = true;
    post("/w/show", { survey: s.id, url: location.href, channel: "widget", consent: consent }, function (r) {
      decisions.push(r ? { survey: s.id, show: !!r.show, reason: r.reason || null } : { survey: s.id, show: false, reason: "error" });
      if (r && r.show && !open) { render(s, r.response_id); }
    });
  }

  function arm(s, t) {
    if (t.url && !(new RegExp(t.url)).test(location.href)) { return; }
    var go = function () { setTimeout(function () { attempt(s); }, (t.delay_seconds || 0) * 1000); };
    if (t.event) { (waiting[t.event] = waiting[t.event] || []).push(t.exit_intent ? function () { exitWaiting.push(go); } : go); }
    else if (t.exit_intent) { exitWaiting.push(go); }
    else { go(); }
  }

  function close(s, rid, dismissed) {
    if (!open) { return; }
    if (dismissed) {
      put("cxj_dis_" + s.id, String(Date.now()));
      post("/w/dismiss", { survey: s.id, response_id: rid, channel: "widget" });
    }
    open.root.remove();
    if (open.prev && open.prev.focus) { open.prev.focus(); }
    document.removeEventListener("keydown", open.keys, true);
    open = null;
  }

  function render(s, rid) {
    var root = el("div", "cxj-w"), box = el("div", "cxj-box"), form = el("form"), inputs = {};
    box.setAttribute("role", "dialog"); box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-labelledby", "cxj-t-" + s.id);
    var h = el("h2", "cxj-h", tx(s.name)); h.id = "cxj-t-" + s.id;
    var x = el("button", "cxj-x", "\u00d7"); x.type = "button"; x.setAttribute("aria-label", L.close);
    x.onclick = function () { close(s, rid, true); };
    box.appendChild(x); box.appendChild(h);
    s.questions.forEach(function (q) {
      var fs = el("fieldset", "cxj-q"), lg = el("legend", null, tx(q.text));
      fs.appendChild(lg); fs.setAttribute("data-q", q.id);
      if (q.bounds) {
        var row = el("div", "cxj-scale");
        for (var v = q.bounds[0]; v <= q.bounds[1]; v++) {
          var lb = el("label"), r = el("input");
          r.type = "radio"; r.name = "cxj-" + q.id; r.value = String(v);
          lb.appendChild(r); lb.appendChild(el("span", null, String(v))); row.appendChild(lb);
        }
        fs.appendChild(row);
        if (q.low || q.high) {
          var ends = el("div", "cxj-ends"); ends.appendChild(el("span", null, tx(q.low))); ends.appendChild(el("span", null, tx(q.high)));
          fs.appendChild(ends);
        }
      } else if (q.choices.length) {
        q.choices.forEach(function (c) {
          var lb = el("label", "cxj-opt"), r = el("input");
          r.type = q.type === "single" ? "radio" : "checkbox"; r.name = "cxj-" + q.id; r.value = c.id;
          lb.appendChild(r); lb.appendChild(el("span", null, tx(c.text))); fs.appendChild(lb);
        });
      } else {
        var ta = el("textarea"); ta.maxLength = q.max_length; ta.id = "cxj-a-" + q.id; ta.name = "cxj-" + q.id;
        lg.remove(); var lab = el("label", "cxj-l", tx(q.text)); lab.htmlFor = ta.id;
        fs.appendChild(lab); fs.appendChild(ta);
      }
      var err = el("p", "cxj-err"); err.setAttribute("role", "alert"); fs.appendChild(err);
      inputs[q.id] = { q: q, fs: fs, err: err };
      form.appendChild(fs);
    });
    function values() {
      var out = {};
      s.questions.forEach(function (q) {
        var f = form.querySelectorAll('[name="cxj-' + q.id + '"]'), vals = [];
        for (var i = 0; i < f.length; i++) {
          if ((f[i].type === "radio" || f[i].type === "checkbox") ? f[i].checked : f[i].value.trim()) { vals.push(f[i].value); }
        }
        if (!vals.length || inputs[q.id].fs.hidden) { return; }
        out[q.id] = q.bounds ? Number(vals[0]) : (q.type === "multiple" ? vals : vals[0]);
      });
      return out;
    }
    function follow() {
      var v = values();
      s.questions.forEach(function (q) {
        if (q.show_if) { var a = v[q.show_if[2]]; inputs[q.id].fs.hidden = !(a >= q.show_if[0] && a <= q.show_if[1]); }
      });
    }
    form.addEventListener("change", follow); follow();
    var send = el("button", "cxj-send", L.send); send.type = "submit"; form.appendChild(send);
    form.onsubmit = function (ev) {
      ev.preventDefault();
      var v = values(), bad = null;
      s.questions.forEach(function (q) {
        var miss = q.required && !inputs[q.id].fs.hidden && v[q.id] === undefined;
        inputs[q.id].err.textContent = miss ? L.req : "";
        if (miss && !bad) { bad = inputs[q.id].fs.querySelector("input,textarea"); }
      });
      if (bad) { bad.focus(); return; }
      send.disabled = true;
      post("/w/respond", { survey: s.id, response_id: rid, answers: v, channel: "widget" }, function (r) {
        if (!r || !r.ok) {
          send.disabled = false;
          var e = r && r.errors && r.errors[0];
          var q = e && inputs[String(e.field || "").replace("answers.", "")];
          (q ? q.err : inputs[s.questions[0].id].err).textContent = (r && r.error) || "Network error";
          return;
        }
        form.remove();
        var th = el("p", "cxj-thanks", tx(s.thanks) || L.thanks); th.setAttribute("role", "status");
        box.appendChild(th);
        setTimeout(function () { close(s, rid, false); }, 2500);
      });
    };
    box.appendChild(form); root.appendChild(box);
    var keys = function (e) {
      if (e.key === "Escape") { close(s, rid, true); return; }
      if (e.key === "Tab") {
        var f = box.querySelectorAll("button,input,textarea");
        var vis = Array.prototype.filter.call(f, function (n) { return n.offsetParent !== null && !n.disabled; });
        if (!vis.length) { return; }
        var first = vis[0], last = vis[vis.length - 1];
        if (e.shiftKey && document.activeElement === first) { last.focus(); e.preventDefault(); }
        else if (!e.shiftKey && document.activeElement === last) { first.focus(); e.preventDefault(); }
      }
    };
    open = { root: root, keys: keys, prev: document.activeElement };
    document.addEventListener("keydown", keys, true);
    document.body.appendChild(root);
    var firstInput = box.querySelector("input,textarea"); if (firstInput) { firstInput.focus(); }
  }

  var css = ".cxj-w{position:fixed;inset:auto 0 0 0;z-index:2147483000;display:flex;justify-content:center;padding:8px;font:16px/1.5 system-ui,sans-serif}" +
    ".cxj-box{position:relative;background:#fff;color:#1a1a1a;max-width:34rem;width:100%;border:1px solid #4a4a4a;border-radius:8px;box-shadow:0 4px 24px rgba(0,0,0,.25);padding:16px;max-height:90vh;overflow:auto}" +
    ".cxj-h{font-size:18px;margin:0 32px 8px 0}.cxj-q{border:0;margin:0 0 12px;padding:0}.cxj-q legend,.cxj-l{font-weight:600;padding:0;display:block;margin-bottom:6px}" +
    ".cxj-scale{display:flex;flex-wrap:wrap;gap:4px}.cxj-scale label{flex:1 0 2.4rem}.cxj-scale input,.cxj-opt input{position:absolute;opacity:0;width:1px;height:1px}" +
    ".cxj-scale span,.cxj-opt span{display:block;text-align:center;padding:8px 4px;border:2px solid #4a4a4a;border-radius:6px;cursor:pointer;min-height:44px;box-sizing:border-box}" +
    ".cxj-opt{display:block;margin:4px 0}.cxj-opt span{text-align:left;padding:8px 12px}" +
    ".cxj-w input:checked+span{background:#0b57d0;border-color:#0b57d0;color:#fff}.cxj-w input:focus-visible+span,.cxj-w button:focus-visible,.cxj-w textarea:focus-visible{outline:3px solid #f9ab00;outline-offset:2px}" +
    ".cxj-ends{display:flex;justify-content:space-between;font-size:14px;color:#4a4a4a}.cxj-w textarea{width:100%;min-height:4.5rem;font:inherit;box-sizing:border-box;border:2px solid #4a4a4a;border-radius:6px;padding:6px}" +
    ".cxj-send{font:inherit;font-weight:600;background:#0b57d0;color:#fff;border:0;border-radius:6px;padding:10px 20px;min-height:44px;cursor:pointer}" +
    ".cxj-x{position:absolute;top:8px;right:8px;font-size:24px;line-height:1;background:none;border:0;color:#1a1a1a;cursor:pointer;min-width:44px;min-height:44px}" +
    ".cxj-err{color:#a50e0e;margin:4px 0 0;font-size:14px}.cxj-err:empty{display:none}.cxj-thanks{font-weight:600}";

  function start() {
    var st = el("style"); st.textContent = css; document.head.appendChild(st);
    document.addEventListener("mouseout", function (e) {
      if (!e.relatedTarget && e.clientY <= 0 && exitWaiting.length) { var w = exitWaiting; exitWaiting = []; w.forEach(function (f) { f(); }); }
    });
    fetch(base + "/w/config?k=" + encodeURIComponent(key)).then(function (r) { return r.json(); }).then(function (c) {
      if (!c || !c.ok) { return; }
      cfg = c;
      cfg.surveys.forEach(function (s) { s.triggers.forEach(function (t) { arm(s, t); }); });
      api.ready = true;
      early.splice(0).forEach(function (name) { api.track(name); }); /* events tracked before the configuration arrived */
    }).catch(function () { /* the site never breaks because of the widget */ });
  }

  var api = {
    loaded: true,
    ready: false,
    decisions: decisions,
    track: function (name) {
      if (!cfg) { early.push(String(name)); return; }
      (waiting[name] || []).splice(0).forEach(function (f) { f(); });
    },
    identify: function (id) { userId = id ? String(id) : null; },
    consent: function (yes) { consent = !!yes; },
    show: function (id) { if (cfg) { cfg.surveys.forEach(function (s) { if (s.id === id) { attempt(s); } }); } }
  };
  window.cxj = api;
  if (window.analytics && typeof window.analytics.track === "function") {
    var orig = window.analytics.track;
    window.analytics.track = function (name) { api.track(name); return orig.apply(this, arguments); };
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
