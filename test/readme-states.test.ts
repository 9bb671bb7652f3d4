import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The README's "How it works" diagram and state list against statemachines/ (issue #16): a renamed, added or removed
// state fails here until the README says the same.
const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');

interface AslStates {
  States: Record<string, { ItemProcessor?: AslStates; Iterator?: AslStates }>;
}

/** Every state name in the definition, top to bottom, a Map's child states right after the Map. */
function aslStateNames(machine: AslStates): string[] {
  return Object.entries(machine.States).flatMap(([name, state]) => {
    const inner = state.ItemProcessor ?? state.Iterator;
    return [name, ...(inner ? aslStateNames(inner) : [])];
  });
}

const howItWorks = (() => {
  const readme = read('../README.md');
  const start = readme.indexOf('## How it works');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
})();
const diagram = /```mermaid\n([\s\S]*?)```/.exec(howItWorks)?.[1] ?? '';
// State names in the diagram's node labels ([…], {…}; edge labels and node ids are not state names): a label's head
// (before `<br/>` or `:`, split on ` / `) when it is one identifier, and any PascalCase word elsewhere in it.
const PASCAL_CASE = /\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+\b/g;
const IDENTIFIER = /^[A-Z][A-Za-z0-9]*$/;
// Words in the diagram's labels that name actors and services, not states.
const NOT_STATES = new Set(['Operator', 'EventBridge', 'DynamoDB']);
const labels = [...diagram.matchAll(/\[([^\]]*)\]|\{([^}]*)\}/g)].map((m) => m[1] ?? m[2] ?? '');
const labelled = labels.flatMap((label) => {
  const heads = (label.split(/<br\/>|:/)[0] ?? '').split(' / ').map((part) => part.trim());
  return [...heads.filter((head) => IDENTIFIER.test(head)), ...(label.match(PASCAL_CASE) ?? [])];
});
const stateList = /\*\*States\*\*[^:]*:([\s\S]*?)\n\n/.exec(howItWorks)?.[1] ?? '';

const machines = ['recommendation-pipeline.asl.yaml'].map((file) => ({
  file,
  states: aslStateNames(parse(read(`../statemachines/${file}`)) as AslStates),
}));
const allStates = machines.flatMap((m) => m.states);

describe('README "How it works"', () => {
  it('reads the state machine it describes', () => {
    expect(allStates.length).toBeGreaterThan(10);
    expect(labelled.length).toBeGreaterThan(10);
  });

  it('draws every state of statemachines/ and no state that is not there', () => {
    const drawn = new Set(labelled.filter((word) => !NOT_STATES.has(word)));

    expect([...drawn].sort()).toEqual([...allStates].sort());
  });

  it('lists the states in the order the definition has them', () => {
    expect([...stateList.matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1])).toEqual(allStates);
  });
});
