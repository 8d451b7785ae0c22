#!/usr/bin/env node
/** The `yard` command: a small program whose subcommands register themselves from their own files. */
import { Command } from 'commander';
import { registerIdlCommand } from './idl-command.js';

const program = new Command('yard').description('Switchyard: realtime backends with typed RPC');
registerIdlCommand(program);
await program.parseAsync(process.argv);
