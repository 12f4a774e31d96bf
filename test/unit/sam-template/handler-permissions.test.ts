import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CONDITIONAL_HANDLER_PERMISSIONS,
  handlerNeeds,
  handlerTypes,
  TYPES_WITHOUT_HANDLERS,
  triggers,
  UNGRANTED_HANDLER_PERMISSIONS,
} from '#local/iam/handler-permissions.ts';
import type { CfnTemplate } from '#shared/cfn-yaml.ts';
import { parseCfnTemplate } from '#shared/cfn-yaml.ts';
import { loadTemplates } from '#test/unit/templates/load.ts';
import {
  buildHandlerPermissions,
  HANDLER_PERMISSIONS_FILE,
} from '../../../scripts/import-handler-permissions.ts';
import { actionMatches, type SourcedStatement } from './audit.ts';
import { SERVICE_ROLE_NEEDS, serviceRoleStatements } from './service-role.ts';

const granted = (statements: SourcedStatement[], action: string): boolean =>
  statements.some(
    (s) =>
      s.statement.Effect === 'Allow' &&
      [s.statement.Action].flat().some((p) => typeof p === 'string' && actionMatches(p, action)),
  );

/** Every resource of the stage templates, as `{ stage, id, type, properties }`. */
function stageResources(templates: Record<string, CfnTemplate>) {
  return Object.entries(templates).flatMap(([stage, t]) =>
    Object.entries(t.Resources).map(([id, r]) => ({
      stage,
      id,
      type: r.Type,
      properties: (r.Properties ?? {}) as Record<string, unknown>,
    })),
  );
}

/** `{ type, missing }` per type whose handler permissions the role does not grant. */
async function uncovered(types: string[], role: SourcedStatement[]) {
  const out: Array<{ type: string; missing: string[] }> = [];
  for (const type of types) {
    const missing = (await handlerNeeds(type)).filter((a) => !granted(role, a));
    if (missing.length) out.push({ type, missing });
  }
  return out;
}

describe("CloudFormation service role against the registry's handler permissions", () => {
  let templates: Record<string, CfnTemplate>;
  let role: SourcedStatement[];
  let types: string[];

  beforeAll(() => {
    templates = loadTemplates();
    role = serviceRoleStatements(parseCfnTemplate(readFileSync('template.yaml', 'utf8')));
    types = [...new Set(stageResources(templates).map((r) => r.type))].sort();
  }, 120_000);

  it('uses the snapshot the installed registry schemas give (scripts/import-handler-permissions.ts)', () => {
    expect(readFileSync(HANDLER_PERMISSIONS_FILE, 'utf8')).toBe(buildHandlerPermissions());
  });

  it('has the handler permissions of every resource type the stage templates declare', () => {
    const known = new Set(handlerTypes());
    expect(types.filter((t) => !known.has(t))).toEqual(TYPES_WITHOUT_HANDLERS);
    expect(TYPES_WITHOUT_HANDLERS.filter((t) => !SERVICE_ROLE_NEEDS[t])).toEqual([]);
    expect(types.length).toBeGreaterThan(30);
  });

  it('grants every permission the create, update and delete handlers list, except the documented conditional ones', async () => {
    expect(await uncovered(types, role)).toEqual([]);
  });

  it('never sets a property that makes a handler call a permission the role is not given', () => {
    const triggered = stageResources(templates).flatMap((r) =>
      (CONDITIONAL_HANDLER_PERMISSIONS[r.type] ?? [])
        .filter((entry) => triggers(entry, r.properties))
        .map((entry) => ({
          resource: `${r.stage}:${r.id}`,
          when: typeof entry.when === 'string' ? entry.when : entry.when.describe,
          actions: entry.actions.filter((a) => !granted(role, a)),
        }))
        .filter((t) => t.actions.length > 0),
    );
    expect(triggered).toEqual([]);
  });

  it('keeps the ungranted, untriggered permissions out of the role (no silent broadening)', () => {
    const given = Object.entries(UNGRANTED_HANDLER_PERMISSIONS).flatMap(([type, u]) =>
      u.actions.filter((a) => granted(role, a)).map((a) => `${type} ${a}`),
    );
    expect(given).toEqual([]);
  });

  it('fails for a template that sets a triggering property, or a role without a listed permission', async () => {
    // Prepare: a target group with registered targets, and a role without ecs:DescribeClusters.
    const withTargets = {
      x: {
        Resources: {
          TG: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Targets: [{ Id: 'i-1' }] } },
        },
      } as CfnTemplate,
    };
    const narrowed = role.map((s) => ({
      ...s,
      statement: {
        ...s.statement,
        Action: [s.statement.Action]
          .flat()
          .filter((a) => typeof a !== 'string' || !actionMatches(a, 'ecs:DescribeClusters')),
      },
    }));

    // Act
    const hits = stageResources(withTargets).flatMap((r) =>
      (CONDITIONAL_HANDLER_PERMISSIONS[r.type] ?? []).filter((entry) => triggers(entry, r.properties)),
    );
    const missing = await uncovered(['AWS::ECS::Cluster'], narrowed);

    // Assess
    expect(hits.flatMap((h) => h.actions)).toContain('elasticloadbalancing:RegisterTargets');
    expect(missing).toEqual([{ type: 'AWS::ECS::Cluster', missing: ['ecs:DescribeClusters'] }]);
  });
});
