// A stand-in for Office.js (served instead of the CDN's office.js in the browser test): an Outlook host
// with one compose or read item. Its state lives in localStorage so the task pane page and the
// event-runtime page (commands.html) of one origin see the same item, as in Outlook. Every call is
// recorded; `window.__officeStub` lets the test read the item and fire associated event handlers.
// Configure with `window.__officeStubConfig = { id, mode: 'compose' | 'read', item: {...}, roaming, theme }`.
(function () {
  'use strict';
  var KEY = 'officeStub.state';
  var config = window.__officeStubConfig || { id: 'default', mode: 'compose' };

  function fresh() {
    var item = Object.assign(
      {
        subject: '',
        from: { emailAddress: 'me@example.test', displayName: 'Me' },
        to: [],
        cc: [],
        bcc: [],
        bodyType: 'html',
        body: '<html><body><div></div></body></html>',
        attachments: [],
        headers: {},
        internetMessageId: null,
        dateTimeCreated: new Date().toISOString(),
      },
      config.item || {},
    );
    return { id: config.id, mode: config.mode, item: item, sessionData: {}, customProperties: {}, onSend: { append: null, prepend: null }, notifications: {}, roaming: config.roaming || {}, calls: [], completions: {} };
  }
  function load() {
    var s = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (!s || s.id !== config.id) {
      s = fresh();
      save(s);
    }
    return s;
  }
  function save(s) {
    localStorage.setItem(KEY, JSON.stringify(s));
  }
  /** Runs `fn` on the stored state, saves it, and answers Office-style on the callback. */
  function op(name, args, fn) {
    var cb = null;
    for (var i = args.length - 1; i >= 0; i--) if (typeof args[i] === 'function') { cb = args[i]; break; }
    var s = load();
    s.calls.push({ method: name, args: Array.prototype.filter.call(args, function (a) { return typeof a !== 'function'; }) });
    var result;
    try {
      var value = fn(s);
      result = { status: 'succeeded', value: value };
    } catch (e) {
      result = { status: 'failed', error: { message: String(e && e.message), code: 9999 } };
    }
    save(s);
    if (cb) setTimeout(function () { cb(result); }, 0);
  }
  function addr(a) { return { emailAddress: a.emailAddress, displayName: a.displayName || '' }; }
  function recipients(field) {
    return {
      getAsync: function () { return op(field + '.getAsync', arguments, function (s) { return s.item[field].map(addr); }); },
      setAsync: function (list) { return op(field + '.setAsync', arguments, function (s) { s.item[field] = list.map(function (r) { return typeof r === 'string' ? { emailAddress: r } : r; }); }); },
    };
  }
  function insertAtCursor(body, html) {
    var at = body.lastIndexOf('</body>');
    return at < 0 ? body + html : body.slice(0, at) + html + body.slice(at);
  }

  var composeItem = {
    itemType: 'message',
    subject: {
      getAsync: function () { return op('subject.getAsync', arguments, function (s) { return s.item.subject; }); },
      setAsync: function (v) { return op('subject.setAsync', arguments, function (s) { s.item.subject = v; }); },
    },
    from: { getAsync: function () { return op('from.getAsync', arguments, function (s) { return addr(s.item.from); }); } },
    to: recipients('to'),
    cc: recipients('cc'),
    bcc: recipients('bcc'),
    body: {
      getTypeAsync: function () { return op('body.getTypeAsync', arguments, function (s) { return s.item.bodyType; }); },
      getAsync: function (type) { return op('body.getAsync', arguments, function (s) { return s.item.body; }); },
      setAsync: function (data) { return op('body.setAsync', arguments, function (s) { s.item.body = data; }); },
      setSelectedDataAsync: function (data) { return op('body.setSelectedDataAsync', arguments, function (s) { s.item.body = insertAtCursor(s.item.body, data); }); },
      appendOnSendAsync: function (data) { return op('body.appendOnSendAsync', arguments, function (s) { s.onSend.append = data; }); },
      prependOnSendAsync: function (data) { return op('body.prependOnSendAsync', arguments, function (s) { s.onSend.prepend = data; }); },
    },
    sessionData: {
      getAllAsync: function () { return op('sessionData.getAllAsync', arguments, function (s) { return s.sessionData; }); },
      setAsync: function (k, v) { return op('sessionData.setAsync', arguments, function (s) { s.sessionData[k] = v; }); },
    },
    internetHeaders: {
      getAsync: function (names) { return op('internetHeaders.getAsync', arguments, function (s) { var out = {}; names.forEach(function (n) { if (n in s.item.headers) out[n] = s.item.headers[n]; }); return out; }); },
      setAsync: function (h) { return op('internetHeaders.setAsync', arguments, function (s) { Object.assign(s.item.headers, h); }); },
    },
    getAttachmentsAsync: function () { return op('getAttachmentsAsync', arguments, function (s) { return s.item.attachments.map(details); }); },
  };
  function details(a) { return { id: a.id, name: a.name, contentType: a.contentType, size: a.size, isInline: !!a.isInline, attachmentType: a.attachmentType || 'file' }; }
  var shared = {
    getAttachmentContentAsync: function (id) {
      return op('getAttachmentContentAsync', arguments, function (s) {
        var a = s.item.attachments.filter(function (x) { return x.id === id; })[0];
        if (!a) throw new Error('No attachment ' + id);
        return { format: a.format || 'base64', content: a.content };
      });
    },
    loadCustomPropertiesAsync: function () {
      return op('loadCustomPropertiesAsync', arguments, function (s) {
        var props = s.customProperties;
        return {
          get: function (k) { return load().customProperties[k]; },
          set: function (k, v) { var t = load(); t.customProperties[k] = v; save(t); },
          remove: function (k) { var t = load(); delete t.customProperties[k]; save(t); },
          saveAsync: function () { return op('customProperties.saveAsync', arguments, function () { return undefined; }); },
          getAll: function () { return props; },
        };
      });
    },
    notificationMessages: {
      replaceAsync: function (key, d) { return op('notificationMessages.replaceAsync', arguments, function (s) { s.notifications[key] = d; }); },
      addAsync: function (key, d) { return op('notificationMessages.addAsync', arguments, function (s) { s.notifications[key] = d; }); },
    },
  };

  function readItem() {
    var it = load().item;
    return Object.assign(
      {
        itemType: 'message',
        displayReplyForm: function () {},
        subject: it.subject,
        from: addr(it.from),
        sender: addr(it.from),
        to: it.to.map(addr),
        cc: it.cc.map(addr),
        internetMessageId: it.internetMessageId,
        dateTimeCreated: new Date(it.dateTimeCreated),
        attachments: it.attachments.map(details),
        body: { getAsync: function () { return op('body.getAsync', arguments, function (s) { return s.item.body; }); } },
        getAllInternetHeadersAsync: function () {
          return op('getAllInternetHeadersAsync', arguments, function (s) {
            return Object.keys(s.item.headers).map(function (k) { return k + ': ' + s.item.headers[k]; }).concat(['Subject: ' + s.item.subject]).join('\r\n') + '\r\n';
          });
        },
      },
      shared,
    );
  }

  var handlers = {};
  var itemHandlers = [];
  var openDialog = null;
  var Office = {
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    CoercionType: { Html: 'html', Text: 'text' },
    EventType: { ItemChanged: 'olkItemSelectedChanged', OfficeThemeChanged: 'officeThemeChanged', DialogMessageReceived: 'dialogMessageReceived', DialogEventReceived: 'dialogEventReceived' },
    MailboxEnums: {
      ItemNotificationMessageType: { ErrorMessage: 'errorMessage', InformationalMessage: 'informationalMessage', InsightMessage: 'insightMessage', ProgressIndicator: 'progressIndicator' },
      AttachmentType: { File: 'file', Item: 'item', Cloud: 'cloud' },
      AttachmentContentFormat: { Base64: 'base64', Url: 'url', Eml: 'eml', ICalendar: 'iCalendar' },
    },
    HostType: { Outlook: 'Outlook' },
    context: {
      mailbox: {
        item: config.mode === 'read' ? readItem() : Object.assign(composeItem, shared),
        userProfile: { emailAddress: (config.user && config.user.emailAddress) || 'me@example.test', displayName: (config.user && config.user.displayName) || 'Me' },
        addHandlerAsync: function (type, handler) { return op('mailbox.addHandlerAsync', arguments, function () { if (type === 'olkItemSelectedChanged') itemHandlers.push(handler); }); },
      },
      roamingSettings: {
        get: function (k) { return load().roaming[k]; },
        set: function (k, v) { var s = load(); s.roaming[k] = v; save(s); },
        remove: function (k) { var s = load(); delete s.roaming[k]; save(s); },
        saveAsync: function () { return op('roamingSettings.saveAsync', arguments, function () { return undefined; }); },
      },
      requirements: {
        isSetSupported: function (name, version) {
          if (name !== 'Mailbox') return false; // no OpenBrowserWindowApi: as in Outlook on the web
          return Number(String(version).split('.')[1] || 0) <= 14;
        },
      },
      officeTheme: { bodyBackgroundColor: config.theme || '#ffffff' },
      ui: {
        openBrowserWindow: function (url) { var s = load(); s.calls.push({ method: 'ui.openBrowserWindow', args: [url] }); save(s); },
        // The dialog API as Outlook on the web runs it: a pop-up window. Its page's messageParent
        // posts to this window; closing it by hand is 12006; a second one while open is 12007;
        // `config.dialogBlocked` makes it 12009 (the person dismissed the prompt).
        displayDialogAsync: function (url, options, cb) {
          var s = load(); s.calls.push({ method: 'ui.displayDialogAsync', args: [url, options] }); save(s);
          var fail = function (code) { setTimeout(function () { cb({ status: 'failed', error: { code: code, message: 'dialog error ' + code } }); }, 0); };
          if (config.dialogBlocked) return fail(12009);
          if (openDialog && !openDialog.closed) return fail(12007);
          var win = window.open(url, 'mb-dialog', 'popup,width=420,height=640');
          if (!win) return fail(12011);
          openDialog = win;
          var handlers = {};
          var closedByUs = false;
          var watch = setInterval(function () {
            if (!win.closed) return;
            clearInterval(watch);
            if (!closedByUs && handlers.dialogEventReceived) handlers.dialogEventReceived({ error: 12006 });
          }, 100);
          window.addEventListener('message', function (e) {
            if (e.source !== win || !e.data || e.data.officeStubDialog !== true) return;
            if (handlers.dialogMessageReceived) handlers.dialogMessageReceived({ message: e.data.message, origin: e.origin });
          });
          var dialog = {
            addEventHandler: function (type, fn) { handlers[type] = fn; },
            close: function () { closedByUs = true; win.close(); },
            messageChild: function () {},
          };
          setTimeout(function () { cb({ status: 'succeeded', value: dialog }); }, 0);
        },
        // Only in a page opened as a dialog, as in Office.
        messageParent: window.opener
          ? function (message) { window.opener.postMessage({ officeStubDialog: true, message: String(message) }, '*'); }
          : undefined,
      },
    },
    actions: {
      associate: function (name, fn) { handlers[name] = fn; },
    },
    onReady: function (cb) {
      var info = { host: 'Outlook', platform: 'OfficeOnline' };
      return new Promise(function (resolve) {
        setTimeout(function () {
          if (cb) cb(info);
          resolve(info);
        }, 0);
      });
    },
  };
  window.Office = Office;

  window.__officeStub = {
    state: load,
    reset: function () { localStorage.removeItem(KEY); },
    handlers: function () { return Object.keys(handlers); },
    /** Fires an associated handler with a fake event; resolves with every completion it made (must be one). */
    fire: function (name, settleMs) {
      var started = Date.now();
      var completions = [];
      return new Promise(function (resolve, reject) {
        if (!handlers[name]) return reject(new Error('No handler associated as ' + name));
        var event = {
          completed: function (options) {
            completions.push(options === undefined ? null : options);
            // Resolve a little later, so a second (wrong) completion would be seen too.
            if (completions.length === 1) {
              var ms = Date.now() - started;
              setTimeout(function () { resolve({ completions: completions, ms: ms }); }, settleMs || 500);
            }
          },
        };
        handlers[name](event);
      });
    },
  };
})();
