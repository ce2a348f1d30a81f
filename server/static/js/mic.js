// The microphone as 16 kHz PCM16 frames of 20 ms, handed to onFrame(ArrayBuffer).
//
// An AudioWorklet frames the audio off the main thread; browsers without it get a
// ScriptProcessor doing the same work. The context asks for 16 kHz so the browser's own
// (better) resampler does most of the work; the framer resamples whatever rate we get.

import { Pcm16Framer, TARGET_RATE } from './pcm-framer.js';

export class Microphone {
  constructor(onFrame, onLevel) {
    this.onFrame = onFrame;
    this.onLevel = onLevel;
    this.stream = null;
    this.ctx = null;
  }

  get active() {
    return this.stream !== null;
  }

  async start({ echoCancellation = true } = {}) {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new Error('this page has no microphone access (it needs http://localhost or https)');
    }
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation, noiseSuppression: echoCancellation, autoGainControl: true },
    });
    try {
      this.ctx = await openContext(this.stream);
      const source = this.ctx.createMediaStreamSource(this.stream);
      const sink = this.ctx.audioWorklet
        ? await this._worklet(source)
        : this._scriptProcessor(source);
      sink.connect(this.ctx.destination); // silent, but keeps the graph pulling audio
    } catch (err) {
      this.stop();
      throw err;
    }
  }

  stop() {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.ctx?.close();
    this.ctx = null;
    this.onLevel(0);
  }

  _deliver(buffer) {
    const frame = new Int16Array(buffer);
    let peak = 0;
    for (let i = 0; i < frame.length; i++) peak = Math.max(peak, Math.abs(frame[i]));
    this.onLevel(peak / 32768);
    this.onFrame(buffer);
  }

  async _worklet(source) {
    await this.ctx.audioWorklet.addModule(new URL('./mic-worklet.js', import.meta.url));
    const node = new AudioWorkletNode(this.ctx, 'mic-framer', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
    });
    node.port.onmessage = (event) => this._deliver(event.data);
    source.connect(node);
    return node;
  }

  _scriptProcessor(source) {
    const node = this.ctx.createScriptProcessor(1024, 1, 1);
    const framer = new Pcm16Framer(this.ctx.sampleRate, (buffer) => this._deliver(buffer));
    node.onaudioprocess = (event) => framer.push(event.inputBuffer.getChannelData(0));
    source.connect(node);
    return node;
  }
}

async function openContext(stream) {
  let ctx = null;
  try {
    ctx = new AudioContext({ sampleRate: TARGET_RATE });
    ctx.createMediaStreamSource(stream).disconnect(); // some browsers refuse mixed rates here
  } catch {
    ctx?.close();
    ctx = new AudioContext();
  }
  await ctx.resume();
  return ctx;
}
