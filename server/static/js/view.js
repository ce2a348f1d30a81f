// Rendering of the conversation, actions, timings and errors. No protocol logic here.

const $ = (id) => document.getElementById(id);

export class ConversationView {
  constructor() {
    this.log = $('log');
    this.newSession('Character');
  }

  /** Turn ids start again at 1 in each session: forget the old session's turns. */
  newSession(characterName) {
    this.characterName = characterName;
    this.turns = new Map(); // turnId -> {player, character}
    this.typedLines = []; // typed lines waiting for their turn_started
  }

  /** The player's words for a turn: partial transcripts update in place, final ones settle. */
  player(turnId, text, final) {
    const turn = this._turn(turnId);
    if (!turn.player) turn.player = this._line('player', 'You');
    setWords(turn.player, text || (final ? '(nothing heard)' : '…'));
    turn.player.classList.toggle('partial', !final);
    if (final) turn.player.classList.remove('finishing');
  }

  /** A typed line; the server's turn_started tells which turn it opened. */
  typed(text) {
    const line = this._line('player', 'You');
    setWords(line, text);
    this.typedLines.push(line);
  }

  /** A turn without speech began: a typed line, or an event the character reacts to. */
  turnStarted(turnId, source, text) {
    const turn = this._turn(turnId);
    if (source === 'text') {
      turn.player = this.typedLines.shift() ?? this._line('player', 'You');
      setWords(turn.player, text);
    } else {
      turn.player = this._line('event', 'Event');
      setWords(turn.player, text);
    }
    turn.player.dataset.turnId = turnId;
  }

  reply(turnId, piece) {
    const turn = this._turn(turnId);
    if (!turn.character) {
      turn.character = this._line('character', this.characterName);
      turn.character.dataset.turnId = turnId;
    }
    const words = turn.character.querySelector('.words');
    words.textContent += piece;
  }

  cut(turnId, spokenText) {
    const line = this.turns.get(turnId)?.character;
    if (line) {
      line.classList.add('cut');
      line.title = `heard by the player: ${spokenText}`;
    }
  }

  /** The microphone stopped mid-speech: the turn is finishing (end_turn sent) or abandoned. */
  micStopped(turnId, endTurnSent) {
    const line = this.turns.get(turnId)?.player;
    if (!line || !line.classList.contains('partial')) return;
    if (endTurnSent) {
      line.classList.add('finishing');
    } else {
      line.classList.remove('partial');
      setWords(line, `${line.querySelector('.words').textContent} (microphone stopped; not sent)`);
    }
  }

  system(text) {
    const line = this._line('system', null);
    setWords(line, text);
    return line;
  }

  _turn(turnId) {
    if (!this.turns.has(turnId)) this.turns.set(turnId, {});
    return this.turns.get(turnId);
  }

  _line(kind, speaker) {
    const li = document.createElement('li');
    li.className = kind;
    if (speaker) {
      const label = document.createElement('span');
      label.className = 'speaker';
      label.textContent = speaker;
      li.append(label, ' ');
    }
    const words = document.createElement('span');
    words.className = 'words';
    li.append(words);
    this.log.append(li);
    this.log.scrollTop = this.log.scrollHeight;
    return li;
  }
}

function setWords(line, text) {
  line.querySelector('.words').textContent = text;
}

/** Actions with buttons that report their outcome once. */
export class ActionsView {
  constructor(report) {
    this.list = $('actions');
    this.report = report; // (actionId, ok) => boolean: false when it could not be sent
  }

  add(msg) {
    this.list.querySelector('.empty')?.remove();
    const li = document.createElement('li');
    li.dataset.actionId = msg.action_id;
    const call = document.createElement('code');
    call.textContent = `${msg.name}(${JSON.stringify(msg.args)})`;
    const ok = button('Succeeded', 'action-ok');
    const fail = button('Failed', 'action-fail');
    const outcome = document.createElement('span');
    const settle = (succeeded) => {
      if (!this.report(msg.action_id, succeeded)) {
        outcome.textContent = ' not sent: no session';
        return;
      }
      ok.remove();
      fail.remove();
      li.classList.add(succeeded ? 'done' : 'failed');
      outcome.textContent = succeeded ? ' ✓ reported success' : ' ✗ reported failure';
    };
    ok.onclick = () => settle(true);
    fail.onclick = () => settle(false);
    li.append(call, ' ', ok, ' ', fail, outcome);
    this.list.prepend(li);
  }

  /** A new session does not know the old one's action ids: retire their buttons. */
  expire() {
    for (const li of this.list.querySelectorAll('li[data-action-id]:not(.done):not(.failed)')) {
      for (const b of li.querySelectorAll('button')) b.remove();
      li.classList.add('expired');
      li.lastChild.textContent = ' (its session ended; not reported)';
    }
  }
}

export function showTimings(msg) {
  const body = $('timings').tBodies[0];
  body.replaceChildren();
  const rows = Object.entries(msg.timings);
  if (msg.interrupted) rows.unshift(['interrupted', 'yes']);
  if (rows.length === 0) rows.push(['(no timings)', '']);
  for (const [name, value] of rows) {
    const tr = body.insertRow();
    tr.insertCell().textContent = name;
    const cell = tr.insertCell();
    cell.className = 'value';
    cell.textContent = typeof value === 'number' ? value.toFixed(0) : value;
  }
}

export function showError(msg) {
  const list = $('errors');
  list.querySelector('.empty')?.remove();
  const li = document.createElement('li');
  const when = new Date().toLocaleTimeString();
  const fatal = msg.fatal ? ' (fatal: the server closes the connection)' : '';
  li.textContent = `${when} ${msg.code}: ${msg.message}${fatal}`;
  li.dataset.code = msg.code;
  list.prepend(li);
}

function button(label, className) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.className = className;
  return b;
}
