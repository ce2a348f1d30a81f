// The playground: wires the connection, the speech player, the face, the microphone and the page.
//
// window.npcStats exposes counters so tests (and curious developers) can see what happened.

import { NpcConnection } from './connection.js';
import { Face } from './face.js';
import { Microphone } from './mic.js';
import { SpeechPlayer } from './player.js';
import { ActionsView, ConversationView, showError, showTimings } from './view.js';

const $ = (id) => document.getElementById(id);

const stats = {
  state: 'idle',
  sessions: 0,
  sessionId: null,
  lostConnections: 0,
  chunksReceived: 0,
  chunksScheduled: 0,
  chunksPlayed: 0,
  audioMsPlayed: 0,
  droppedChunks: 0,
  stops: 0,
  visemeChanges: 0,
  mouthChanges: 0,
  framesSent: 0,
  partialTranscripts: 0,
  finalTranscripts: 0,
  lastFinalTranscript: null,
  replyText: '',
  actions: [],
  actionResultsSent: 0,
  endTurnsSent: 0,
  scenesSent: 0,
  scenesRefused: 0,
  lastEmotion: null,
  interruptsSent: 0,
  lastInterruptPlayedMs: null,
  interruptedTurns: 0,
  bargeIns: 0,
  turnEnds: 0,
  lastTimings: null,
  errors: [],
};
window.npcStats = stats;

const player = new SpeechPlayer(stats);
const face = new Face(player, stats);
const conversation = new ConversationView();
const actions = new ActionsView((actionId, ok) => {
  const sent = connection?.send({ type: 'action_result', action_id: actionId, ok, detail: '' });
  if (sent) stats.actionResultsSent += 1;
  return Boolean(sent);
});
const mic = new Microphone(sendFrame, (level) => ($('mic-level').value = level));
Object.defineProperty(stats, 'playing', { get: () => player.playing, enumerable: true });

let connection = null;
let lastTurn = 0; // the newest turn the server told us about
let minTurn = 0; // audio of older turns is stale (interrupted) and is dropped
let speakingTurn = null; // the player's spoken turn awaiting its final transcript
let sceneLine = null; // the last scene update sent: a refusal marks it (success is never acknowledged)
let lostReason = '';

// -- connecting ----------------------------------------------------------------------

function serverUrl() {
  const params = new URLSearchParams(location.search);
  const given = params.get('server');
  const base = given || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
  const token = params.get('token');
  if (!token) return base;
  const url = new URL(base);
  url.searchParams.set('token', token);
  return url.toString();
}

function makeStart() {
  const start = { type: 'start', character: $('character').value.trim() || 'jin', player_id: 'playground' };
  const name = $('player-name').value.trim();
  if (name) start.player_name = name;
  const scene = sceneFields();
  if (Object.keys(scene).length) start.scene = scene;
  return start;
}

function connect() {
  connection?.close();
  player.unlock(); // inside the click, so browsers allow the audio to play
  connection = new NpcConnection({ url: serverUrl(), makeStart, onMessage, onStatus });
  connection.open();
}

function disconnect() {
  connection?.close();
  connection = null;
  player.stop();
  if (mic.active) toggleMic();
}

function onStatus(status) {
  stats.state = status.state;
  const el = $('status');
  el.className = `status ${status.state}`;
  const live = status.state === 'ready';
  for (const id of ['send', 'interrupt', 'send-scene', 'send-event']) $(id).disabled = !live;
  $('mic').disabled = !connection;
  $('disconnect').disabled = status.state === 'closed' || status.state === 'refused';
  if (status.state === 'connecting' && status.attempt) {
    el.className = 'status lost'; // still without a session: keep the loss in view
    el.textContent = `Connection lost: ${lostReason}. Reconnecting now (attempt ${status.attempt})…`;
  } else if (status.state === 'connecting') {
    el.textContent = 'Connecting…';
  } else if (status.state === 'ready') {
    const { ready } = status;
    stats.sessions += 1;
    stats.sessionId = ready.session_id;
    el.textContent = `Connected to ${ready.character.name} — session ${ready.session_id}`;
    $('character-info').textContent =
      `${ready.character.name}, ${ready.character.role}. Actions: ${ready.character.actions.join(', ')}`;
    conversation.newSession(ready.character.name);
    conversation.system(`new session ${ready.session_id} with ${ready.character.name}`);
    face.setEmotion('neutral', 1);
    actions.expire();
    lastTurn = 0;
    minTurn = 0;
    speakingTurn = null;
    sceneLine = null;
  } else if (status.state === 'lost') {
    stats.lostConnections += 1;
    lostReason = status.reason;
    player.stop();
    const seconds = (status.retryInMs / 1000).toFixed(1);
    el.textContent =
      `Connection lost: ${status.reason}. Reconnecting in ${seconds} s ` +
      `(attempt ${status.attempt}); the conversation restarts in a new session.`;
    if (status.hadSession) conversation.system('connection lost');
  } else if (status.state === 'refused') {
    el.textContent = `Refused: ${status.reason}`;
  } else {
    el.textContent = status.reason ? `Disconnected: ${status.reason}` : 'Disconnected.';
  }
}

// -- server messages -------------------------------------------------------------------

function onMessage(msg) {
  if (msg.turn_id !== undefined) lastTurn = Math.max(lastTurn, msg.turn_id);
  switch (msg.type) {
    case 'speech_started':
      if (player.playing) {
        stats.bargeIns += 1;
        player.stop();
      }
      minTurn = Math.max(minTurn, msg.turn_id);
      speakingTurn = msg.turn_id;
      conversation.player(msg.turn_id, '', false);
      break;
    case 'turn_started':
      // A typed line or a reacting event opens a turn; older speech stops, as on barge-in.
      if (player.playing) player.stop();
      minTurn = Math.max(minTurn, msg.turn_id);
      conversation.turnStarted(msg.turn_id, msg.source, msg.text);
      break;
    case 'transcript':
      if (msg.final) {
        stats.finalTranscripts += 1;
        stats.lastFinalTranscript = msg.text;
        if (speakingTurn === msg.turn_id) speakingTurn = null;
      } else {
        stats.partialTranscripts += 1;
      }
      conversation.player(msg.turn_id, msg.text, msg.final);
      break;
    case 'reply_text':
      stats.replyText += msg.text;
      conversation.reply(msg.turn_id, msg.text);
      break;
    case 'audio':
      onAudio(msg.header, msg.pcm);
      break;
    case 'emotion':
      stats.lastEmotion = { name: msg.emotion, intensity: msg.intensity };
      face.setEmotion(msg.emotion, msg.intensity);
      break;
    case 'action':
      stats.actions.push({ action_id: msg.action_id, name: msg.name, args: msg.args });
      actions.add(msg);
      break;
    case 'interrupted':
      stats.interruptedTurns += 1;
      minTurn = Math.max(minTurn, msg.turn_id + 1);
      player.stop();
      conversation.cut(msg.turn_id, msg.spoken_text);
      break;
    case 'turn_end':
      stats.turnEnds += 1;
      stats.lastTimings = { turn_id: msg.turn_id, interrupted: msg.interrupted, ...msg.timings };
      showTimings(msg);
      break;
    case 'error':
      stats.errors.push({ code: msg.code, message: msg.message, fatal: Boolean(msg.fatal) });
      showError(msg);
      if (msg.message?.startsWith("invalid 'scene' message")) sceneRefused(msg.message);
      break;
    default:
      break; // newer servers may send message types this page does not know
  }
}

function onAudio(header, pcm) {
  stats.chunksReceived += 1;
  if (header.turn_id < minTurn) {
    stats.droppedChunks += 1;
    return;
  }
  player.play(header, pcm);
}

// -- player actions --------------------------------------------------------------------

function say(event) {
  event.preventDefault();
  const text = $('text').value.trim();
  if (!text || !connection?.send({ type: 'text', text })) return;
  conversation.typed(text);
  $('text').value = '';
}

function interrupt() {
  const turn = player.chunks.find((c) => !c.done)?.turnId ?? lastTurn;
  const playedMs = player.playedMs(turn);
  player.stop(); // locally first: the player must not wait for the server to go quiet
  minTurn = Math.max(minTurn, turn + 1);
  if (connection?.send({ type: 'interrupt', played_ms: playedMs })) {
    stats.interruptsSent += 1;
    stats.lastInterruptPlayedMs = playedMs;
  }
}

function sendFrame(buffer) {
  if (connection?.sendBinary(buffer)) stats.framesSent += 1;
}

async function toggleMic() {
  const button = $('mic');
  if (mic.active) {
    mic.stop();
    if (speakingTurn !== null) {
      // Mid-speech: without end_turn the server would wait for more audio forever.
      const sent = Boolean(connection?.send({ type: 'end_turn' }));
      if (sent) stats.endTurnsSent += 1;
      conversation.micStopped(speakingTurn, sent);
      speakingTurn = null;
    }
    button.textContent = 'Start microphone';
    $('mic-state').textContent = '';
    return;
  }
  try {
    await mic.start({ echoCancellation: $('echo-cancel').checked });
    button.textContent = 'Stop microphone';
    $('mic-state').textContent = 'listening';
  } catch (err) {
    const message = `${err.name || 'Error'}: ${err.message}`;
    stats.errors.push({ code: 'microphone', message, fatal: false });
    showError({ code: 'microphone', message });
  }
}

function sceneFields() {
  const scene = {};
  for (const key of ['objects', 'locations', 'characters']) {
    const items = $(`scene-${key}`)
      .value.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length) scene[key] = items;
  }
  return scene;
}

function sendScene(event) {
  event.preventDefault();
  const scene = sceneFields();
  if (connection?.send({ type: 'scene', ...scene })) {
    stats.scenesSent += 1;
    // The server answers only a refusal (an error naming the message), never a success.
    sceneLine = conversation.system(`scene sent: ${JSON.stringify(scene)}`);
  }
}

function sceneRefused(reason) {
  stats.scenesRefused += 1;
  if (!sceneLine) return;
  sceneLine.classList.add('refused');
  sceneLine.querySelector('.words').textContent = `scene refused (the character keeps the old one): ${reason}`;
  sceneLine = null;
}

function sendEvent(event) {
  event.preventDefault();
  const text = $('event-text').value.trim();
  const react = $('event-react').checked;
  if (!text || !connection?.send({ type: 'event', text, react })) return;
  conversation.system(`event${react ? ' (react)' : ''}: ${text}`);
  $('event-text').value = '';
}

async function offerCharacters() {
  // Optional: a server with a /characters endpoint fills the suggestions; others do not.
  try {
    const response = await fetch('/characters');
    if (!response.ok) return;
    const list = $('character-list');
    for (const c of await response.json()) {
      const option = document.createElement('option');
      option.value = c.id;
      option.label = c.name ? `${c.name} (${c.role || c.id})` : c.id;
      list.append(option);
    }
  } catch {
    // no list: the player types the id
  }
}

$('connect-form').addEventListener('submit', (event) => {
  event.preventDefault();
  connect();
});
$('disconnect').addEventListener('click', disconnect);
$('say-form').addEventListener('submit', say);
$('interrupt').addEventListener('click', interrupt);
$('mic').addEventListener('click', toggleMic);
$('scene-form').addEventListener('submit', sendScene);
$('event-form').addEventListener('submit', sendEvent);
const preset = new URLSearchParams(location.search).get('character');
if (preset) $('character').value = preset;
offerCharacters();
