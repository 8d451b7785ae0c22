// The chat demo's browser side: joins a room through the Switchyard client SDK, shows pushes,
// sends what you type. Served with the SDK bundle next to it as /switchyard-client.js.
import { connect } from './switchyard-client.js';

const $ = (id) => document.getElementById(id);
const users = new Set();
let client;
let joined; // { room, name } once in a room

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

function append(li) {
  const list = $('messages');
  list.append(li);
  list.scrollTop = list.scrollHeight;
}

function showMessage(from, text) {
  const li = document.createElement('li');
  li.className = 'message';
  const who = document.createElement('span');
  who.className = 'from';
  who.textContent = from;
  const what = document.createElement('span');
  what.className = 'text';
  what.textContent = text;
  li.append(who, ': ', what);
  append(li);
}

function showNote(text) {
  const li = document.createElement('li');
  li.className = 'system';
  li.textContent = text;
  append(li);
}

function renderUsers() {
  $('users').replaceChildren(
    ...[...users].sort().map((name) => {
      const li = document.createElement('li');
      li.textContent = name;
      return li;
    }),
  );
}

function setJoined(on) {
  for (const id of ['name', 'room', 'join']) $(id).disabled = on;
  for (const id of ['text', 'send']) $(id).disabled = !on;
  if (on) $('text').focus();
}

async function openClient() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const c = await connect(`${scheme}://${location.host}/`, { reconnect: { initialDelayMs: 500, maxDelayMs: 5000 } });
  c.on('chat.onJoin', ({ name }) => {
    users.add(name);
    renderUsers();
    showNote(`${name} joined`);
  });
  c.on('chat.onLeave', ({ name }) => {
    users.delete(name);
    renderUsers();
    showNote(`${name} left`);
  });
  c.on('chat.onMessage', ({ from, text }) => showMessage(from, text));
  c.on('disconnect', () => {
    setStatus('Connection lost, reconnecting…', true);
    for (const id of ['text', 'send']) $(id).disabled = true;
  });
  // A new connection is a new session: join the room again.
  c.on('reconnect', () => joined && join(joined.room, joined.name));
  c.on('kick', (reason) => setStatus(`Kicked: ${reason || 'no reason given'}`, true));
  c.on('close', (err) => {
    client = undefined;
    setJoined(false);
    if (err) setStatus(`Disconnected: ${err.message}`, true);
  });
  return c;
}

async function join(room, name) {
  setStatus('Joining…');
  $('join').disabled = true;
  try {
    client ??= await openClient();
    const { users: present } = await client.request('chat.join', { room, name });
    users.clear();
    for (const u of present) users.add(u);
    renderUsers();
    joined = { room, name };
    setJoined(true);
    setStatus(`In #${room} as ${name}`);
  } catch (err) {
    setJoined(false);
    setStatus(`Could not join: ${err.message}`, true);
  }
}

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('name').value.trim();
  const room = $('room').value.trim();
  if (name && room) join(room, name);
});

$('say-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = $('text').value.trim();
  if (!text || !client) return;
  $('text').value = '';
  try {
    await client.request('chat.say', { text });
  } catch (err) {
    setStatus(`Not sent: ${err.message}`, true);
    $('text').value = text;
  }
});
