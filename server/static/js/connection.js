// One conversation with the server, surviving lost connections.
//
// Each (re)connection opens a new websocket and a new session (`start` is rebuilt by
// makeStart(), so the latest scene goes with it). Audio headers are paired with the binary
// frame that follows them, so listeners get one {header, pcm} per chunk.

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];
const MAX_BACKOFF_MS = 10000;

export class NpcConnection {
  /**
   * @param {object} options
   * @param {string} options.url  websocket URL (with ?token=... if the server needs one)
   * @param {() => object} options.makeStart  the `start` message for each new session
   * @param {(msg: object) => void} options.onMessage  server messages; audio as {type, header, pcm}
   * @param {(status: object) => void} options.onStatus  {state, ...}: connecting, ready,
   *   lost (with retryInMs), refused (the server rejected `start`), closed (by us, or idle)
   */
  constructor({ url, makeStart, onMessage, onStatus }) {
    this.url = url;
    this.makeStart = makeStart;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.ws = null;
    this.ready = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.stopped = false;
    this.pendingAudio = null;
    this.retryAfterMs = 0; // a server_busy error's retry_after_s, for the next wait
  }

  open() {
    this.stopped = false;
    this._connect();
  }

  /** Close for good (no reconnection); ends the session politely when possible. */
  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.ready) {
      this.ws.send(JSON.stringify({ type: 'end' }));
    }
    this.ws?.close(1000, 'closed by the player');
    this.ready = null;
    this.onStatus({ state: 'closed' });
  }

  get isReady() {
    return this.ready !== null && this.ws?.readyState === WebSocket.OPEN;
  }

  /** Send a JSON message; false (and nothing sent) when there is no live session. */
  send(message) {
    if (!this.isReady) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  sendBinary(buffer) {
    if (!this.isReady) return false;
    this.ws.send(buffer);
    return true;
  }

  _connect() {
    this.onStatus({ state: 'connecting', attempt: this.attempt });
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.onStatus({ state: 'refused', reason: `cannot open ${this.url}: ${err.message}` });
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.pendingAudio = null;
    ws.onopen = () => ws.send(JSON.stringify(this.makeStart()));
    ws.onmessage = (event) => this._receive(ws, event.data);
    ws.onclose = (event) => this._closed(ws, event);
  }

  _receive(ws, data) {
    if (ws !== this.ws) return;
    if (data instanceof ArrayBuffer) {
      const header = this.pendingAudio;
      this.pendingAudio = null;
      if (!header) {
        this.onMessage(localError('protocol', 'binary audio arrived without an audio header'));
        return;
      }
      this.onMessage({ type: 'audio', header, pcm: data });
      return;
    }
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.onMessage(localError('protocol', 'the server sent a frame that is not JSON'));
      return;
    }
    if (msg.type === 'ready') {
      this.ready = msg;
      this.attempt = 0;
      this.onStatus({ state: 'ready', ready: msg });
    } else if (msg.type === 'error' && !this.ready && !msg.fatal) {
      // The server rejected our `start`; retrying the same start would fail the same way.
      this.stopped = true;
      this.onMessage(msg);
      this.onStatus({ state: 'refused', reason: `${msg.code}: ${msg.message}` });
      ws.close(1000, 'start refused');
      return;
    } else if (msg.type === 'error' && msg.code === 'idle_timeout') {
      // The server closes idle sessions; coming back on our own would keep one open forever.
      this.stopped = true;
      this.onMessage(msg);
      this.onStatus({ state: 'closed', reason: `${msg.message}; press Connect to talk again` });
      return;
    } else if (msg.type === 'error' && msg.fatal && msg.retry_after_s) {
      this.retryAfterMs = msg.retry_after_s * 1000;
    } else if (msg.type === 'audio') {
      if (msg.data !== undefined) {
        this.onMessage({ type: 'audio', header: msg, pcm: base64ToBuffer(msg.data) });
      } else if (msg.bytes > 0) {
        this.pendingAudio = msg;
      } else {
        this.onMessage({ type: 'audio', header: msg, pcm: new ArrayBuffer(0) });
      }
      return;
    }
    this.onMessage(msg);
  }

  _closed(ws, event) {
    if (ws !== this.ws) return;
    const hadSession = this.ready !== null;
    this.ready = null;
    this.ws = null;
    if (this.stopped) return;
    const backoff = Math.min(
      MAX_BACKOFF_MS,
      BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)] * (0.8 + Math.random() * 0.4),
    );
    const delay = Math.max(backoff, this.retryAfterMs); // a busy server says when to come back
    this.retryAfterMs = 0;
    this.attempt += 1;
    this.onStatus({
      state: 'lost',
      hadSession,
      code: event.code,
      reason: event.reason || describeClose(event.code),
      retryInMs: Math.round(delay),
      attempt: this.attempt,
    });
    this.retryTimer = setTimeout(() => this._connect(), delay);
  }
}

function localError(code, message) {
  return { type: 'error', turn_id: 0, code, message, fatal: false, local: true };
}

function describeClose(code) {
  if (code === 1006) return 'the connection dropped (server stopped or network lost)';
  if (code === 1001) return 'the server is going away (restart or shutdown)';
  if (code === 1011) return 'the server hit an internal error';
  return `closed with code ${code}`;
}

function base64ToBuffer(text) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return bytes.buffer;
}
