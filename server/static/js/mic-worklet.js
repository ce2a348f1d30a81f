// Runs on the audio thread: frames the microphone and posts each 20 ms frame (transferred).
import { Pcm16Framer } from './pcm-framer.js';

class MicFramer extends AudioWorkletProcessor {
  constructor() {
    super();
    // `sampleRate` is the context's rate, a global of the worklet scope.
    this.framer = new Pcm16Framer(sampleRate, (buffer) => this.port.postMessage(buffer, [buffer]));
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) this.framer.push(channel);
    return true;
  }
}

registerProcessor('mic-framer', MicFramer);
