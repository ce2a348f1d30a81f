// Rendering of the conversation, actions, timings and errors. No protocol logic here.

const $ = (id) => document.getElementById(id);

export class ConversationView {
  constructor() {
    this.log = $('log');
    this.turns = new Map(); // turnId -> {player, character}
  }

  /** The player's words for a turn: partial transcripts update in place, final ones settle. */
  player(turnId, text, final) {
    const turn = this._turn(turnId);
    if (!turn.player) turn.player = this._line('player');
    turn.player.textContent = text || (final ? '(nothing heard)' : '…');
    turn.player.classList.toggle('partial', !final);
  }

  /** A typed line; its turn id is not known until the server answers. */
  typed(text) {
    this._line('player').textContent = text;
  }

  reply(turnId, piece) {
    const turn = this._turn(turnId);
    if (!turn.character) turn.character = this._line('character');
    turn.character.textContent += piece;
  }

  cut(turnId, spokenText) {
    const line = this.turns.get(turnId)?.character;
    if (line) {
      line.classList.add('cut');
      line.title = `heard by the player: ${spokenText}`;
    }
  }

  system(text) {
    this._line('system').textContent = text;
  }

  _turn(turnId) {
    if (!this.turns.has(turnId)) this.turns.set(turnId, {});
    return this.turns.get(turnId);
  }

  _line(kind) {
    const li = document.createElement('li');
    li.className = kind;
    this.log.append(li);
    this.log.scrollTop = this.log.scrollHeight;
    return li;
  }
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
