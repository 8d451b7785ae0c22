/**
 * State shared by the TypeScript generators while they write one module: how to name a declaration
 * of this or another module, and which imports the file ends up needing.
 */
import type { MessagePlan } from './message-plan.js';
import type { IdlModel, ModuleModel, QName } from './model.js';

/** The identifier a module is imported as: `$` cannot occur in IDL names, so it never clashes. */
export function moduleAlias(module: string): string {
  return `$${module}`;
}

/** The exported constant holding an operation's route and codecs. */
export function operationConst(iface: string, op: string): string {
  return `$${iface}$${op}`;
}

/** Naming and import bookkeeping for one generated module. */
export class TsContext {
  readonly model: IdlModel;
  readonly module: ModuleModel;
  readonly plan: MessagePlan;
  readonly #imports = new Set<string>();

  constructor(model: IdlModel, module: ModuleModel, plan: MessagePlan) {
    this.model = model;
    this.module = module;
    this.plan = plan;
  }

  /** How this module's code refers to declaration `q`: bare here, through its module's alias elsewhere. */
  ref(q: QName): string {
    if (q.module === this.module.name) return q.name;
    this.#imports.add(q.module);
    return `${moduleAlias(q.module)}.${q.name}`;
  }

  /** Other modules referred to so far, sorted. */
  get imports(): string[] {
    return [...this.#imports].sort();
  }
}

/** Indents every non-empty line by `n` levels of two spaces. */
export function indent(lines: readonly string[], n = 1): string[] {
  const pad = '  '.repeat(n);
  return lines.map((l) => (l === '' ? l : pad + l));
}

/** A single-quoted TypeScript string literal. */
export function quote(text: string): string {
  return `'${text.replace(/[\\']/g, '\\$&').replace(/\n/g, '\\n')}'`;
}

/** A `/** ... *\/` comment, or nothing when there is no text. */
export function docComment(text: string | undefined): string[] {
  if (text === undefined || text === '') return [];
  const safe = text.replace(/\*\//g, '*\\/');
  const lines = safe.split('\n');
  return lines.length === 1 ? [`/** ${lines[0]} */`] : ['/**', ...lines.map((l) => (l ? ` * ${l}` : ' *')), ' */'];
}
