#!/usr/bin/env node
/** The `yard` command: a small program whose subcommands register themselves from their own files. */
import { Command } from 'commander';
import { registerClusterCommand } from './cluster-command.js';
import { registerIdlCommand } from './idl-command.js';
import { registerStartCommand } from './start-command.js';

const program = new Command('yard').description('Switchyard: realtime backends with typed RPC');
registerIdlCommand(program);
registerStartCommand(program);
registerClusterCommand(program);
await program.parseAsync(process.argv);
