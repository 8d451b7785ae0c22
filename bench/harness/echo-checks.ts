/**
 * Before a round-trip variant is measured, one call through the client SDK proves the path answers
 * correctly, so a misconfigured server is never timed. For the IDL variant the generator's request
 * body is taken from the generated proxy itself, through an invoker that records what it is given.
 */
import assert from 'node:assert/strict';
import { connect } from '../../src/client/index.js';
import type { CallOptions, Invoker, OperationRef } from '../../src/generated-runtime.js';
import type { BenchIdl } from './bench-idl.js';
import { IDL_TEXT } from './payloads.js';

/** Sends `body` to `echo.echo` through the SDK and checks the answer is the same object. */
export async function checkJsonEcho(url: string, body: unknown): Promise<void> {
  const client = await connect(url);
  try {
    assert.deepEqual(await client.request('echo.echo', body, { timeoutMs: 10_000 }), body);
  } finally {
    await client.close();
  }
}

/** Calls `bench.Echo.echo` with the generated proxy over `client.invoker()` and checks the answer. */
export async function checkIdlEcho(url: string, idl: BenchIdl): Promise<void> {
  const client = await connect(url);
  try {
    assert.equal(await new idl.EchoProxy(client.invoker()).echo(IDL_TEXT, { timeoutMs: 10_000 }), IDL_TEXT);
  } finally {
    await client.close();
  }
}

/** The route and body the generated proxy sends for `echo(IDL_TEXT)`. */
export async function idlRequest(idl: BenchIdl): Promise<{ route: string; body: Uint8Array }> {
  let seen: { route: string; body: Uint8Array } | undefined;
  const recorder: Invoker = {
    call(op: OperationRef, args: Uint8Array, _opts?: CallOptions): Promise<Uint8Array> {
      seen = { route: op.route, body: args };
      return Promise.resolve(idl.$Echo$echo.result.encode(IDL_TEXT));
    },
    send(): void {},
  };
  await new idl.EchoProxy(recorder).echo(IDL_TEXT);
  if (!seen) throw new Error('the generated proxy made no call');
  return seen;
}
