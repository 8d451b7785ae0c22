import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fixture, generate, repoRoot, runtimeFrom, tempDir } from './helpers/generate.js';

/** Code a user would write against the generated modules; `@ts-expect-error` lines must fail to compile. */
const usage = (runtime: string): string => `
import type { CallContext, Invoker, OperationEntry, RpcError } from '${runtime}';
import { operationsOf, ServantBase } from '${runtime}';
import { Empty, Family, HeadKeeperProxy, Keeper, Node, Pet, routes } from './zoo.js';
import * as test from './test.js';
import { Below, BelowProxy, Visible } from './layers.js';

declare const invoker: Invoker;
export const prx = new HeadKeeperProxy(invoker);
export const family: Promise<Family> = prx.adopt(Pet.create(), 1, ['a']);
export const count: Promise<number> = prx.count({ timeoutMs: 5, signal: new AbortController().signal, extra: { a: 'b' } });
export const promoted: Promise<boolean> = prx.promote('class', 'opts');
export const stats: Promise<Map<string, number[]>> = prx.stats(10n);
export const photo: Promise<Uint8Array> = prx.photo(1);
prx.feed_oneway('fish', { extra: { k: 'v' } });
prx.count_async((err: RpcError | null, result?: number) => void [err, result]);
prx.feed_async('fish', (err: RpcError | null) => void err);
// @ts-expect-error: no one-way form for an operation with a result
prx.count_oneway();
// @ts-expect-error: long is bigint
prx.stats(10);
// @ts-expect-error: options are a trailing bag, not a positional timeout
prx.count(5);

export const pet: Pet = { name: 'a', kind: 1, legs: 4, age: 2, id: 5n, weight: 1, height: 2, tame: true, photo: new Uint8Array(), home: { x: 1, y: 2 } };
export const back: Pet = Pet.decode(Pet.encode(pet));
export const json = Pet.toJSON(Pet.fromJSON(JSON.parse('{}')));
// @ts-expect-error: long is bigint
export const wrongId: Pet = Pet.create({ id: 1 });
export const tables: Map<number, string[]> = Family.create().tagsById;
export const routeCodes: number[] = routes.map((r) => r.code);

export class KeeperImpl extends Keeper {
  adopt(pet: Pet, _count: number, names: string[], ctx: CallContext): Family {
    return Family.create({ name: names[0] ?? pet.name + ctx.route });
  }
  async count(): Promise<number> {
    return 1;
  }
  feed(): void {}
  stats(): Map<string, number[]> {
    return new Map([['a', [1]]]);
  }
  photo(): Uint8Array {
    return new Uint8Array(0);
  }
  nothing(e: Empty): Empty {
    return e;
  }
  tree(root: Node): Promise<Node> {
    return Promise.resolve(root);
  }
}
export const servant: ServantBase = new KeeperImpl();
export const table: readonly OperationEntry<KeeperImpl>[] = operationsOf(new KeeperImpl());

// @ts-expect-error: abstract methods are not implemented
export class Incomplete extends Keeper {}

export abstract class PartlyVisible extends Visible {
  depth(): number {
    return 1;
  }
}
export const belowOps: readonly OperationEntry<Below>[] = Below.operations;
export const shade: Promise<string> = new BelowProxy(invoker).shade();
export const echoed: Promise<string> = new test.ServerProxy(invoker).echo('x');
// Server's skeleton_js=false speaks for TCE's JavaScript target only: the TypeScript servant exists.
export abstract class ServerServant extends test.Server {}
`;

describe('generated TypeScript type-checks under strict settings', () => {
  it('passes tsc --noEmit with the strictest flags, and rejects misuse', () => {
    const dir = tempDir('yard-idl-tsc-');
    for (const f of [fixture('layers.idl'), path.join(repoRoot, 'examples/tce/test.idl'), fixture('seed-2.3.6-cross-module.idl'), fixture('seed-2.3-types.idl')]) {
      generate([f], { dir, proto: false });
    }
    writeFileSync(path.join(dir, 'usage.ts'), usage(runtimeFrom(dir)));
    const compilerOptions = {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023', 'DOM'],
      types: ['node'],
      typeRoots: [path.join(repoRoot, 'node_modules/@types')],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      noImplicitOverride: true,
      noImplicitReturns: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noFallthroughCasesInSwitch: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
    };
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }, null, 2));
    const tsc = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
    assert.equal(tsc.status, 0, `tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  });
});
