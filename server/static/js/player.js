// Gapless playback of the character's speech, and the audio clock the face follows.
//
// Each chunk is scheduled to start exactly where the previous one ends on the AudioContext
// clock, so sentences join without clicks or gaps. The chunk's start time is kept with its
// visemes: the mouth is driven by the same clock the listener hears.

const LEAD_S = 0.06; // head start for the first chunk so its start is not in the past

export class SpeechPlayer {
  constructor(stats) {
    this.stats = stats;
    this.ctx = null;
    this.nextStart = 0;
    this.chunks = []; // {turnId, start, duration, visemes, source, done}
    this.finishedMs = {}; // turnId -> ms of that turn's chunks that played to the end
  }

  /** Create (or resume) the AudioContext; call from a user gesture in real browsers. */
  unlock() {
    if (!this.ctx) this.ctx = new AudioContext();
    if (this.ctx.state === 'suspended') this.ctx.resume();
    return this.ctx;
  }

  get now() {
    return this.ctx ? this.ctx.currentTime : 0;
  }

  /** Schedule one chunk (header from the `audio` message, pcm: ArrayBuffer of PCM16 LE). */
  play(header, pcm) {
    const ctx = this.unlock();
    const samples = pcm.byteLength >> 1;
    if (samples === 0) return null;
    const buffer = ctx.createBuffer(1, samples, header.sample_rate);
    const channel = buffer.getChannelData(0);
    const view = new DataView(pcm);
    for (let i = 0; i < samples; i++) channel[i] = view.getInt16(i * 2, true) / 32768;

    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(ctx.destination);
    const start = Math.max(this.nextStart, ctx.currentTime + LEAD_S);
    const chunk = {
      turnId: header.turn_id,
      start,
      duration: buffer.duration,
      visemes: header.visemes || [],
      source,
      done: false,
    };
    source.onended = () => {
      if (chunk.done) return; // stopped, not played out
      chunk.done = true;
      this.stats.chunksPlayed += 1;
      this.stats.audioMsPlayed += Math.round(chunk.duration * 1000);
      this._forget(chunk);
    };
    source.start(start);
    this.nextStart = start + buffer.duration;
    this.chunks.push(chunk);
    this.stats.chunksScheduled += 1;
    return chunk;
  }

  /** True while any scheduled chunk has not finished. */
  get playing() {
    return this.chunks.some((c) => !c.done && c.start + c.duration > this.now);
  }

  /** Milliseconds of a turn's audio that reached the speakers so far. */
  playedMs(turnId) {
    const now = this.now;
    let ms = this.finishedMs[turnId] || 0;
    for (const c of this.chunks) {
      if (c.turnId === turnId && !c.done) {
        ms += Math.max(0, Math.min(c.duration, now - c.start)) * 1000;
      }
    }
    return Math.round(ms);
  }

  /** Stop everything now (interrupt, barge-in, lost connection). */
  stop() {
    for (const c of this.chunks) {
      if (c.done) continue;
      c.done = true;
      try {
        c.source.stop();
      } catch {
        // a source that never started cannot be stopped; it is dropped either way
      }
      c.source.disconnect();
    }
    this.chunks = [];
    this.nextStart = 0;
    this.stats.stops += 1;
  }

  /** The viseme being heard now: {name, chunk} or null when silent. */
  visemeNow() {
    const now = this.now;
    for (const c of this.chunks) {
      if (c.done || now < c.start || now >= c.start + c.duration) continue;
      const ms = (now - c.start) * 1000;
      for (const v of c.visemes) {
        if (ms >= v.start_ms && ms < v.start_ms + v.duration_ms) return { name: v.viseme, chunk: c };
      }
      return { name: 'sil', chunk: c };
    }
    return null;
  }

  _forget(chunk) {
    this.finishedMs[chunk.turnId] = (this.finishedMs[chunk.turnId] || 0) + chunk.duration * 1000;
    this.chunks = this.chunks.filter((c) => c !== chunk);
  }
}
