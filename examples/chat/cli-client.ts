/**
 * A command-line chat client on the Switchyard client SDK: joins a room, prints what others say,
 * sends each line you type. Ctrl-D (end of input) leaves.
 *
 *   node dist/examples/chat/cli-client.js --url tcp://127.0.0.1:3251 --room lobby --name bob
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { connect, type Client } from '../../src/client/index.js';

const USAGE = `usage: cli-client [--url tcp://127.0.0.1:3251] [--room lobby] [--name you]
  --url    server address: tcp://host:port, ws://host:port/ or wss://...
  --room   room to join (default lobby)
  --name   your name (default guest-<random>)`;

interface JoinAnswer {
  users: string[];
}

function options(): { url: string; room: string; name: string } {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'tcp://127.0.0.1:3251' },
      room: { type: 'string', default: 'lobby' },
      name: { type: 'string', default: `guest-${Math.floor(Math.random() * 10_000)}` },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return { url: values.url, room: values.room, name: values.name };
}

function listen(client: Client): void {
  client.on<{ from: string; text: string }>('chat.onMessage', ({ from, text }) => console.log(`${from}: ${text}`));
  client.on<{ name: string }>('chat.onJoin', ({ name }) => console.log(`* ${name} joined`));
  client.on<{ name: string }>('chat.onLeave', ({ name }) => console.log(`* ${name} left`));
  client.on('kick', (reason) => console.error(`* kicked: ${reason || 'no reason given'}`));
}

async function main(): Promise<void> {
  const { url, room, name } = options();
  const client = await connect(url);
  listen(client);
  let users: string[];
  try {
    ({ users } = await client.request<JoinAnswer>('chat.join', { room, name }));
  } catch (err) {
    await client.close();
    throw err;
  }
  console.log(`* joined #${room} as ${name}; here: ${users.join(', ')}`);

  const input = createInterface({ input: process.stdin, terminal: false });
  client.on('close', (err) => {
    if (!err) return;
    console.error(`* disconnected: ${err.message}`);
    process.exitCode = 1;
    input.close();
  });
  // One line at a time, so messages keep their order and a failure is reported next to its line.
  let sending = Promise.resolve();
  input.on('line', (line) => {
    const text = line.trim();
    if (!text) return;
    sending = sending.then(() =>
      client.request('chat.say', { text }).then(
        () => undefined,
        (err: Error) => console.error(`* not sent (${err.message}): ${text}`),
      ),
    );
  });
  input.on('close', () => {
    void sending.then(() => client.close());
  });
}

main().catch((err: Error) => {
  console.error(`cli-client: ${err.message}`);
  process.exitCode = 1;
});
