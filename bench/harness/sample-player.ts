/**
 * B4's message: a realistic game character (nested structs, a sequence of 20 items, a dictionary,
 * strings, longs), and the same data shaped for JSON (longs as numbers, the dictionary as an
 * object) and for protobufjs's `fromObject`.
 */
import type { Item, Player } from './bench-idl.js';

const ITEM_NAMES = ['sword', 'shield', 'potion', 'bow', 'arrow', 'helmet', 'boots', 'ring', 'amulet', 'scroll'];

function item(i: number): Item {
  return {
    id: 9_000_000_000n + BigInt(i * 7919),
    name: `${ITEM_NAMES[i % ITEM_NAMES.length]} of the ${i % 2 ? 'north' : 'south'} #${i}`,
    count: i * 3 + 1,
    // Values a float32 holds exactly, so every codec reads back what was written.
    pos: { x: i * 1.5, y: -i * 0.25, z: 100 + i },
    equipped: i % 3 === 0,
  };
}

/** The character every codec encodes and decodes. */
export function samplePlayer(): Player {
  return {
    id: 1_234_567_890_123_456n,
    name: 'Åsa Lindqvist',
    guild: 'The Long Benchmarks',
    level: 87,
    score: 98_765.4321,
    pos: { x: 10.5, y: 20.25, z: -3.125 },
    inventory: Array.from({ length: 20 }, (_, i) => item(i)),
    stats: new Map([
      ['kills', 123_456_789_012n],
      ['deaths', 4_321n],
      ['assists', 98_765n],
      ['gold', 5_000_000_000n],
      ['xp', 77_777_777_777n],
      ['quests', 312n],
      ['playtimeSec', 3_600_000n],
      ['achievements', 58n],
    ]),
    tags: ['veteran', 'pvp', 'eu-west', 'guild-officer', 'beta-tester'],
    lastSeen: 1_735_689_600_000n,
  };
}

/** The character as a JSON application would hold it: numbers for longs, an object for the dictionary. */
export type JsonPlayer = Record<string, unknown>;

/** `player` shaped for JSON (and for protobufjs's `fromObject`, which takes the same shape). */
export function jsonPlayer(player: Player): JsonPlayer {
  return {
    id: Number(player.id),
    name: player.name,
    guild: player.guild,
    level: player.level,
    score: player.score,
    pos: { ...player.pos },
    inventory: player.inventory.map((i) => ({ ...i, id: Number(i.id), pos: { ...i.pos } })),
    stats: Object.fromEntries([...player.stats].map(([k, v]) => [k, Number(v)])),
    tags: [...player.tags],
    lastSeen: Number(player.lastSeen),
  };
}
