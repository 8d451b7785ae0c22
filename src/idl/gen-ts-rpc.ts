/**
 * Emits the RPC side of a module: per operation an exported constant with its route, code and
 * argument/result codecs; the `routes` table; per interface a `XxxProxy` class (extending the base
 * interface's proxy) and an abstract servant class (extending the base's servant, unless the
 * interface is annotated `skeleton_ts=false` / `skeleton_js=false`).
 */
import { fieldCode, readLoop } from './gen-ts-binary.js';
import { tsType } from './gen-ts-types.js';
import { ancestry, type FieldModel, type InterfaceModel, type OperationModel } from './model.js';
import { safeParamNames } from './names.js';
import { docComment, indent, operationConst, type TsContext } from './ts-context.js';

/** The TS object type of an operation's argument list. */
function argsType(op: OperationModel, ctx: TsContext): string {
  if (op.params.length === 0) return 'Record<string, never>';
  return `{ ${op.params.map((p) => `${p.name}: ${tsType(p.type, ctx)}`).join('; ')} }`;
}

function resultType(op: OperationModel, ctx: TsContext): string {
  return op.returns ? tsType(op.returns, ctx) : 'void';
}

/** The codec of the argument message: field i = parameter i. */
function argsCodec(op: OperationModel, ctx: TsContext): string[] {
  const type = argsType(op, ctx);
  if (op.params.length === 0) {
    return [
      'args: {',
      `  encode(_v: ${type}): Uint8Array { return new Uint8Array(0); },`,
      `  decode(bytes: Uint8Array): ${type} {`,
      '    const r = new $rt.ProtoReader(bytes);',
      ...indent(readLoop([]), 2),
      '    return {};',
      '  },',
      '},',
    ];
  }
  const codes = op.params.map((p: FieldModel, i) => fieldCode(p.type, p.number, `f${i + 1}`, `v.${p.name}`, ctx));
  const fields = op.params.map((p, i) => `${p.name}: ${codes[i]!.result}`).join(', ');
  return [
    'args: {',
    `  encode(v: ${type}): Uint8Array {`,
    '    const w = new $rt.ProtoWriter();',
    ...indent(codes.flatMap((c) => c.write), 2),
    '    return w.finish();',
    '  },',
    `  decode(bytes: Uint8Array): ${type} {`,
    '    const r = new $rt.ProtoReader(bytes);',
    ...indent([...codes.map((c) => c.decl), ...readLoop(codes), `return { ${fields} };`], 2),
    '  },',
    '},',
  ];
}

/** The codec of the result message: field 1 = the value, so 0, "" or [] still make a valid reply. */
function resultCodec(op: OperationModel, ctx: TsContext): string[] {
  if (!op.returns) {
    return [
      'result: {',
      '  encode(): Uint8Array { return new Uint8Array(0); },',
      '  decode(bytes: Uint8Array): void {',
      '    const r = new $rt.ProtoReader(bytes);',
      ...indent(readLoop([]), 2),
      '  },',
      '},',
    ];
  }
  const type = tsType(op.returns, ctx);
  const code = fieldCode(op.returns, 1, 'f1', 'value', ctx);
  return [
    'result: {',
    `  encode(value: ${type}): Uint8Array {`,
    '    const w = new $rt.ProtoWriter();',
    ...indent(code.write, 2),
    '    return w.finish();',
    '  },',
    `  decode(bytes: Uint8Array): ${type} {`,
    '    const r = new $rt.ProtoReader(bytes);',
    ...indent([code.decl, ...readLoop([code]), `return ${code.result};`], 2),
    '  },',
    '},',
  ];
}

/** The exported constants of every operation of the module's interfaces, and the `routes` table. */
export function operationConsts(ctx: TsContext): string[] {
  const out: string[] = [];
  const refs: string[] = [];
  for (const i of ctx.module.interfaces) {
    for (const op of i.operations) {
      const name = operationConst(i.name, op.name);
      refs.push(`${name}.ref`);
      out.push(
        `/** Route, code and codecs of ${op.route}. */`,
        `export const ${name}: $rt.OperationCodecs<${argsType(op, ctx)}, ${resultType(op, ctx)}> = {`,
        `  ref: { route: '${op.route}', code: ${op.code}, oneway: ${op.returns === undefined} },`,
        ...indent([...argsCodec(op, ctx), ...resultCodec(op, ctx)]),
        '};',
        '',
      );
    }
  }
  out.push(
    '/** Every route this module declares, with its number (interface index * 256 + operation index). */',
    `export const routes: readonly $rt.OperationRef[] = [${refs.join(', ')}];`,
    '',
  );
  return out;
}

/** How code in this module names the operation constant of `op` declared by interface `owner`. */
function opRef(owner: InterfaceModel, op: OperationModel, ctx: TsContext): string {
  const local = operationConst(owner.name, op.name);
  return owner.module === ctx.module.name ? local : `${ctx.ref({ module: owner.module, name: local })}`;
}

/** The `XxxProxy` class of an interface. */
export function proxyClass(i: InterfaceModel, ctx: TsContext): string[] {
  const base = i.base ? ctx.ref({ module: i.base.module, name: `${i.base.name}Proxy` }) : '$rt.ProxyBase';
  const methods = i.operations.flatMap((op) => proxyMethods(i, op, ctx)).slice(0, -1);
  const about = `Calls interface ${i.module}.${i.name} through an invoker (a connection, the gateway, the client).`;
  return [
    ...docComment(i.comment ? `${i.comment}\n\n${about}` : about),
    `export class ${i.name}Proxy extends ${base} {`,
    ...indent(methods),
    '}',
    '',
  ];
}

function proxyMethods(i: InterfaceModel, op: OperationModel, ctx: TsContext): string[] {
  const names = safeParamNames(op.params.map((p) => p.name));
  const params = op.params.map((p, k) => `${names[k]}: ${tsType(p.type, ctx)}`);
  const args = op.params.length ? `{ ${op.params.map((p, k) => `${p.name}: ${names[k]}`).join(', ')} }` : '{}';
  const r = resultType(op, ctx);
  const c = opRef(i, op, ctx);
  const lines = [
    ...docComment(op.comment ?? `Two-way call of ${op.route}.`),
    `${op.name}(${[...params, 'opts?: $rt.CallOptions'].join(', ')}): Promise<${r}> {`,
    `  return $rt.callTwoWay(this.invoker, ${c}, ${args}, opts);`,
    '}',
    '',
  ];
  const cb = op.returns ? `cb: (err: $rt.RpcError | null, result?: ${r}) => void` : 'cb: (err: $rt.RpcError | null) => void';
  const forward = [...names, 'opts'].join(', ');
  lines.push(
    `/** ${op.name} with a callback: \`cb(null, result)\` or \`cb(error)\`. */`,
    `${op.name}_async(${[...params, cb, 'opts?: $rt.CallOptions'].join(', ')}): void {`,
    `  $rt.callWithCallback(this.${op.name}(${forward}), cb);`,
    '}',
    '',
  );
  if (!op.returns) {
    lines.push(
      `/** ${op.name} one-way: sent without waiting for, or getting, a reply. */`,
      `${op.name}_oneway(${[...params, 'opts?: $rt.CallOptions'].join(', ')}): void {`,
      `  $rt.callOneWay(this.invoker, ${c}, ${args}, opts);`,
      '}',
      '',
    );
  }
  return lines;
}

/**
 * The abstract servant class of an interface. It extends the servant of the nearest base that has
 * one; operations of bases without one (skeleton off) are declared here instead.
 */
export function servantClass(i: InterfaceModel, ctx: TsContext): string[] {
  const chain = ancestry(ctx.model, i);
  const parentAt = chain.findIndex((a, k) => k > 0 && a.skeleton);
  const parent = parentAt > 0 ? chain[parentAt]! : undefined;
  const owners = (parent ? chain.slice(0, parentAt) : chain).reverse();
  const ops = owners.flatMap((o) => o.operations.map((op) => ({ owner: o, op })));
  const methods = ops.flatMap(({ op }) => {
    const names = safeParamNames(op.params.map((p) => p.name));
    const params = op.params.map((p, k) => `${names[k]}: ${tsType(p.type, ctx)}`);
    const r = resultType(op, ctx);
    return [...docComment(op.comment), `abstract ${op.name}(${[...params, 'ctx: $rt.CallContext'].join(', ')}): ${r} | Promise<${r}>;`];
  });
  const entries = ops.map(({ owner, op }) => {
    const a = op.params.length ? 'a' : '_a';
    const call = `s.${op.name}(${[...op.params.map((p) => `a.${p.name}`), 'ctx'].join(', ')})`;
    return `$rt.operationEntry(${opRef(owner, op, ctx)}, (s: ${i.name}, ${a}, ctx) => ${call}),`;
  });
  const base = parent ? ctx.ref({ module: parent.module, name: parent.name }) : '$rt.ServantBase';
  const about = `Implements interface ${i.module}.${i.name}: extend it, implement the methods, add it to an adapter.`;
  return [
    ...docComment(i.comment ? `${i.comment}\n\n${about}` : about),
    `export abstract class ${i.name} extends ${base} {`,
    ...indent(methods),
    '',
    `  static override readonly operations: readonly $rt.OperationEntry<${i.name}>[] = [`,
    ...(parent ? [`    ...${base}.operations,`] : []),
    ...indent(entries, 2),
    '  ];',
    '}',
    '',
  ];
}
