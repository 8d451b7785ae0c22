import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import type { CallContext, Invoker, OperationRef } from '../../src/rpc/call.js';
import { fixture, generate, repoRoot, tempDir } from './helpers/generate.js';
import { loopback } from './helpers/loopback.js';

type Ctor<T = object> = new (...args: never[]) => T;
type Methods = Record<string, (...args: unknown[]) => unknown>;

const example = path.join(repoRoot, 'examples/tce/test.idl');

describe('the IDL of the TCE documentation compiles unchanged', () => {
  it('test.idl with the annotations of section 2.4.1 numbers its routes from [index]', async () => {
    const gen = generate([example]);
    const mod = await gen.load('test');
    const routes = (mod.routes as OperationRef[]).map((r) => [r.route, r.code, r.oneway]);
    assert.deepEqual(routes, [
      ['test.BaseServer.datetime', 11 * 256 + 10, false],
      ['test.ITerminalGatewayServer.ping', 1 * 256 + 1, true],
      ['test.Server.echo', 2 * 256 + 1, false],
      ['test.Server.timeout', 2 * 256 + 5, true],
      ['test.Server.heartbeat', 2 * 256 + 10, true],
      ['test.Server.bidirection', 2 * 256 + 11, true],
      ['test.ITerminal.onMessage', 3 * 256 + 1, true],
    ]);
    const root = protobuf.loadSync(path.join(gen.dir, 'test.proto'));
    assert.deepEqual(Object.keys(root.lookupService('test.Server').methods), ['echo', 'timeout', 'heartbeat', 'bidirection']);
    assert.deepEqual(Object.keys(root.lookupType('test.ITerminal_onMessage_Args').fields), ['message']);
  });

  it('skeleton_ts=false leaves out the servant of Server but keeps its proxy, extending BaseServerProxy', async () => {
    assert.equal(typeof (await generate([example]).load('test')).Server, 'function', 'skeleton_js is another language');
    const dir = tempDir();
    const tsOnly = path.join(dir, 'test.idl');
    writeFileSync(tsOnly, readFileSync(example, 'utf8').replace('skeleton_js=false', 'skeleton_ts=false'));
    const mod = await generate([tsOnly]).load('test');
    assert.equal(mod.Server, undefined);
    assert.equal(typeof mod.BaseServer, 'function');
    assert.equal(typeof mod.ITerminal, 'function');
    const ServerProxy = mod.ServerProxy as Ctor;
    const BaseServerProxy = mod.BaseServerProxy as Ctor;
    assert.equal(Object.getPrototypeOf(ServerProxy), BaseServerProxy);
    const proto = ServerProxy.prototype as Methods;
    for (const m of ['datetime', 'echo', 'echo_async', 'timeout', 'timeout_oneway', 'timeout_async', 'heartbeat_oneway', 'bidirection_oneway']) {
      assert.equal(typeof proto[m], 'function', m);
    }
    assert.equal(proto.echo_oneway, undefined, 'no one-way form for an operation with a result');
  });

  it('test.idl of section 2.6: two-way, one-way, async callback, extra and the bidirectional call back', async () => {
    const mod = await generate([fixture('seed-2.6-test.idl')]).load('test');
    const received: string[] = [];
    const ITerminal = mod.ITerminal as Ctor;
    const ITerminalProxy = mod.ITerminalProxy as new (i: Invoker) => Methods;
    const Server = mod.Server as Ctor;
    const ServerProxy = mod.ServerProxy as new (i: Invoker) => Methods;

    // The client serves ITerminal over the same connection (here: the caller invoker).
    const TerminalImpl = class extends (ITerminal as new () => object) {
      onMessage(message: string): void {
        received.push(message);
      }
    };
    const toClient = loopback(new TerminalImpl());
    const ServerImpl = class extends (Server as new () => object) {
      datetime(): string {
        return '1926-12-12';
      }
      echo(text: string, ctx: CallContext): string {
        return `${text} ${ctx.extra.date ?? ''}`.trim();
      }
      timeout(): void {}
      heartbeat(hello: string): void {
        received.push(`heartbeat ${hello}`);
      }
      bidirection(ctx: CallContext): void {
        const client = new ITerminalProxy(ctx.caller!);
        client.onMessage_oneway!('server push message!');
      }
    };
    const toServer = loopback(new ServerImpl(), toClient);
    const prx = new ServerProxy(toServer);

    assert.equal(await prx.echo!('hello', { extra: { date: '1926-12-12' } }), 'hello 1926-12-12');
    assert.equal(await prx.datetime!(), '1926-12-12');
    const viaCallback = await new Promise((resolve, reject) => {
      prx.echo_async!('pingpang', (err: Error | null, result?: string) => (err ? reject(err) : resolve(result)));
    });
    assert.equal(viaCallback, 'pingpang');
    prx.heartbeat_oneway!('hello world!');
    prx.bidirection_oneway!();
    await toServer.drain();
    await toClient.drain();
    assert.deepEqual(received, ['heartbeat hello world!', 'server push message!']);
  });

  it('the first program of section 2.1 and the types of section 2.3 compile, and their .proto loads', async () => {
    const echo = generate([fixture('seed-2.1-echo.idl')]);
    assert.match(readFileSync(path.join(echo.dir, 'test.ts'), 'utf8'), /export class ServerProxy extends \$rt\.ProxyBase/);
    const types = generate([fixture('seed-2.3-types.idl')]);
    const root = protobuf.loadSync(path.join(types.dir, 'pets.proto'));
    const cat = root.lookupType('pets.Cat');
    assert.deepEqual(Object.keys(cat.fields), ['skin', 'age', 'categary', 'photo', 'notes', 'owners']);
    assert.equal(cat.fields.notes!.type, 'Seq_string');
    assert.equal(cat.fields.owners!.type, 'Dict_string_Pet');
  });

  it('cross-module references of section 2.3.6 resolve, in TypeScript and in .proto', async () => {
    const gen = generate([fixture('seed-2.3.6-cross-module.idl')]);
    const b = readFileSync(path.join(gen.dir, 'B.ts'), 'utf8');
    assert.match(b, /import \* as \$A from '\.\/A\.js';/);
    assert.match(b, /start\(p: \$A\.P1, opts\?: \$rt\.CallOptions\): Promise<NameList_t>/);
    const root = protobuf.loadSync([path.join(gen.dir, 'B.proto')]);
    const args = root.lookupType('B.Car_start_Args');
    args.resolveAll();
    assert.equal(args.fields.p!.resolvedType!.fullName, '.A.P1');
    const service = root.lookupService('B.Car');
    assert.equal(service.methods.start!.requestType, 'Car_start_Args');
  });
});
