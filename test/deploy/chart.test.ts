/**
 * The Helm chart at helm/thunderline, checked with a real Helm 4 offline (test/deploy/helm.ts):
 * `helm lint --strict` and `helm template` for every values set it ships, every rendered object
 * validated against the Kubernetes schemas (kubernetes-models), the properties a deployment
 * depends on asserted, and the bad values under test/deploy/bad-values refused by
 * values.schema.json with the offending path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { CHART, ensureHelm, ROOT, runHelm } from './helm.ts';

/** One rendered Kubernetes object, as far as every object has these. */
interface Rendered {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
}

/** A values set and what it must render. */
interface ValuesSet {
  name: string;
  args: string[];
  cluster: boolean;
}

const VALUES_SETS: ValuesSet[] = [
  { name: 'values.yaml', args: ['-f', path.join(CHART, 'values.yaml')], cluster: false },
  { name: 'ci/single.yaml', args: ['-f', path.join(CHART, 'ci/single.yaml')], cluster: false },
  { name: 'ci/cluster.yaml', args: ['-f', path.join(CHART, 'ci/cluster.yaml')], cluster: true },
  {
    name: 'cluster with URLs as values',
    args: ['--set', 'cluster.enabled=true,cluster.postgres.url=postgres://tl:pw@db:5432/tl,cluster.nats.url=nats://nats:4222'],
    cluster: true,
  },
  { name: 'single node without persistence', args: ['--set', 'persistence.enabled=false'], cluster: false },
  { name: 'single node on an existing claim', args: ['--set', 'persistence.existingClaim=my-ledger'], cluster: false },
  { name: 'single node, cluster.replicas ignored', args: ['--set', 'cluster.replicas=5'], cluster: false },
];

/** Validates one object against its Kubernetes schema; throws naming the object and the errors. */
async function validateObject(object: Rendered): Promise<void> {
  const module = (await import(`kubernetes-models/${object.apiVersion}/${object.kind}`)) as Record<
    string,
    new (
      data: unknown,
    ) => { validate(): void }
  >;
  const Model = module[object.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${object.apiVersion} ${object.kind}`);
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(`${object.kind} ${object.metadata.name} does not match the Kubernetes schema: ${(error as Error).message}`);
  }
}

function render(args: string[]): Rendered[] {
  const run = runHelm(ensureHelm(), ['template', 'tl', CHART, '--namespace', 'apps', ...args]);
  assert.is(run.status, 0, `helm template ${args.join(' ')} failed: ${run.stderr}`);
  const objects: Rendered[] = [];
  for (const document of parseAllDocuments(run.stdout)) {
    assert.is(document.errors.length, 0, `helm template printed invalid YAML: ${document.errors.join('; ')}`);
    const value: unknown = document.toJS();
    if (value === null) continue;
    objects.push(value as Rendered);
  }
  return objects;
}

function only<T>(objects: Rendered[], kind: string): T {
  const found = objects.filter((object) => object.kind === kind);
  assert.is(found.length, 1, `expected one ${kind}, got ${found.length}`);
  return found[0] as T;
}

function container(deployment: IDeployment) {
  const containers = deployment.spec?.template.spec?.containers ?? [];
  assert.is(containers.length, 1, 'one container');
  const first = containers[0];
  if (!first) throw new Error('no container');
  return first;
}

// ---

const lint = suite('helm lint --strict');

for (const set of VALUES_SETS) {
  lint(`passes with ${set.name}`, () => {
    const run = runHelm(ensureHelm(), ['lint', '--strict', CHART, ...set.args]);
    assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, '0 chart(s) failed');
  });
}

lint.run();

// ---

const rendered = suite('helm template: every object, every values set');

for (const set of VALUES_SETS) {
  rendered(`${set.name}: every object matches its Kubernetes schema`, async () => {
    const objects = render(set.args);
    const kinds = objects.map((object) => object.kind).sort();
    for (const kind of ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount']) {
      assert.ok(kinds.includes(kind), `${kind} rendered (got ${kinds.join(', ')})`);
    }
    for (const object of objects) await validateObject(object);
  });

  rendered(`${set.name}: the token comes from a Secret and the probes from /health and /`, () => {
    const objects = render(set.args);
    const deployment = only<IDeployment>(objects, 'Deployment');
    const main = container(deployment);
    const args = main.args ?? [];
    assert.ok(args.includes('--host=0.0.0.0'), 'listens on every address of the pod');
    assert.not.ok(
      args.some((arg) => arg.startsWith('--token')),
      'the token is never an argument',
    );
    const tokenEnv = main.env?.find((variable) => variable.name === 'THUNDERLINE_TOKEN');
    const ref = tokenEnv?.valueFrom?.secretKeyRef;
    assert.ok(ref, 'THUNDERLINE_TOKEN comes from a secretKeyRef');
    assert.is(tokenEnv?.value, undefined, 'and never a literal value');
    const secret = objects.find((object): object is Rendered & ISecret => object.kind === 'Secret' && object.metadata.name === ref?.name);
    if (secret) {
      const encoded = secret.data?.[ref?.key ?? ''];
      assert.type(encoded, 'string', `the chart's Secret holds ${ref?.key}`);
      assert.ok(Buffer.from(encoded ?? '', 'base64').toString().length >= 8, 'a token of at least 8 characters');
    } else {
      assert.is(ref?.name, 'thunderline-viewer', 'a Secret the chart does not render is the one named in values');
    }

    assert.equal(main.readinessProbe?.httpGet?.path, '/health');
    assert.equal(main.readinessProbe?.httpGet?.port, 'http');
    assert.equal(main.livenessProbe?.httpGet?.path, '/', 'liveness does not follow /health, so a lease fence never restarts a pod');
    assert.ok((main.livenessProbe?.failureThreshold ?? 0) * (main.livenessProbe?.periodSeconds ?? 0) >= 60, 'liveness tolerates a minute');
    const port = main.ports?.find((candidate) => candidate.name === 'http');
    const config = only<IConfigMap>(objects, 'ConfigMap');
    assert.is(String(port?.containerPort), config.data?.THUNDERLINE_PORT, 'the probes reach the port the server listens on');

    // Kubernetes expands $(NAME) in args only for variables the container defines.
    const defined = new Set([...(main.env ?? []).map((variable) => variable.name), ...Object.keys(config.data ?? {})]);
    for (const arg of args) {
      for (const match of arg.matchAll(/\$\(([A-Z_]+)\)/g)) assert.ok(defined.has(match[1] ?? ''), `${arg}: $(${match[1]}) is defined`);
    }

    const pod = deployment.spec?.template.spec;
    assert.is(pod?.securityContext?.runAsNonRoot, true);
    assert.is(pod?.securityContext?.runAsUser, 10001, 'the image user');
    assert.is(main.securityContext?.readOnlyRootFilesystem, true);
    assert.is(main.securityContext?.allowPrivilegeEscalation, false);
    const tmp = main.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
    assert.ok(tmp, '/tmp is writable');

    const service = only<IService>(objects, 'Service');
    const pdb = only<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
    const podLabels = deployment.spec?.template.metadata?.labels ?? {};
    for (const selector of [
      service.spec?.selector ?? {},
      pdb.spec?.selector?.matchLabels ?? {},
      deployment.spec?.selector.matchLabels ?? {},
    ]) {
      assert.ok(Object.keys(selector).length > 0, 'a selector');
      for (const [key, value] of Object.entries(selector)) assert.is(podLabels[key], value, `selects the pods by ${key}`);
    }
    assert.equal(service.spec?.ports?.[0]?.targetPort, 'http');
  });

  if (set.cluster) {
    rendered(`${set.name}: cluster mode runs several nodes named after their pods, never with a volume`, () => {
      const objects = render(set.args);
      const deployment = only<IDeployment>(objects, 'Deployment');
      const main = container(deployment);
      const args = main.args ?? [];
      assert.ok((deployment.spec?.replicas ?? 0) >= 2, `replicas ${deployment.spec?.replicas}`);
      assert.is(deployment.spec?.strategy?.type, 'RollingUpdate');
      assert.is(objects.filter((object) => object.kind === 'PersistentVolumeClaim').length, 0, 'no claim');
      const volumes = deployment.spec?.template.spec?.volumes ?? [];
      assert.ok(
        volumes.every((volume) => volume.persistentVolumeClaim === undefined && volume.hostPath === undefined),
        'no persistent volume',
      );
      assert.not.ok(
        main.volumeMounts?.some((mount) => mount.mountPath === '/data'),
        'nothing at /data',
      );
      assert.not.ok(
        args.some((arg) => arg.startsWith('--db')),
        'no --db: node-local data stays in memory',
      );
      for (const flag of ['--postgres=$(THUNDERLINE_POSTGRES)', '--nats=$(THUNDERLINE_NATS)', '--node-id=$(POD_NAME)']) {
        assert.ok(args.includes(flag), `${flag} in ${args.join(' ')}`);
      }
      const env = new Map((main.env ?? []).map((variable) => [variable.name, variable]));
      assert.is(env.get('POD_NAME')?.valueFrom?.fieldRef?.fieldPath, 'metadata.name');
      for (const name of ['THUNDERLINE_POSTGRES', 'THUNDERLINE_NATS']) {
        const ref = env.get(name)?.valueFrom?.secretKeyRef;
        assert.ok(ref, `${name} comes from a Secret`);
        const secret = objects.find(
          (object): object is Rendered & ISecret => object.kind === 'Secret' && object.metadata.name === ref?.name,
        );
        if (secret) assert.type(secret.data?.[ref?.key ?? ''], 'string', `${ref?.name} holds ${ref?.key}`);
      }
    });
  } else {
    rendered(`${set.name}: a single node is one replica, recreated, its SQLite file on the data volume`, () => {
      const objects = render(set.args);
      const deployment = only<IDeployment>(objects, 'Deployment');
      const main = container(deployment);
      assert.is(deployment.spec?.replicas, 1);
      assert.is(deployment.spec?.strategy?.type, 'Recreate', 'the old pod closes the file before the new one opens it');
      assert.ok(main.args?.includes('--db=$(THUNDERLINE_DB)'));
      const config = only<IConfigMap>(objects, 'ConfigMap');
      assert.is(config.data?.THUNDERLINE_DB, '/data/thunderline.db');
      assert.ok(
        main.volumeMounts?.some((mount) => mount.name === 'data' && mount.mountPath === '/data' && mount.readOnly !== true),
        'the data volume is mounted writable at /data',
      );
      const data = deployment.spec?.template.spec?.volumes?.find((volume) => volume.name === 'data');
      const claims = objects.filter((object): object is Rendered & IPersistentVolumeClaim => object.kind === 'PersistentVolumeClaim');
      if (data?.persistentVolumeClaim) {
        const claimName = data.persistentVolumeClaim.claimName;
        if (claimName === 'my-ledger') assert.is(claims.length, 0, 'an existing claim is used, none is made');
        else {
          assert.is(claims.length, 1);
          assert.is(claims[0]?.metadata?.name, claimName);
          assert.is(claims[0]?.metadata?.annotations?.['helm.sh/resource-policy'], 'keep', 'helm uninstall keeps the ledger');
        }
      } else {
        assert.ok(data?.emptyDir, 'without persistence, an emptyDir');
        assert.is(claims.length, 0);
      }
    });
  }
}

rendered('an ingress routes to the Service, and its origins are allowed for the dashboard', () => {
  const objects = render(['-f', path.join(CHART, 'ci/single.yaml')]);
  const ingress = only<IIngress>(objects, 'Ingress');
  const service = only<IService>(objects, 'Service');
  const backend = ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service;
  assert.is(backend?.name, service.metadata?.name);
  assert.is(backend?.port?.number, service.spec?.ports?.[0]?.port);
  const args = container(only<IDeployment>(objects, 'Deployment')).args ?? [];
  for (const origin of ['https://thunderline.example.com', 'http://127.0.0.1:4100', 'http://localhost:4100']) {
    assert.ok(args.includes(`--allow-origin=${origin}`), `--allow-origin=${origin} in ${args.join(' ')}`);
  }
});

rendered.run();

// ---

const refused = suite('values.schema.json refuses bad values');

const BAD = path.join(ROOT, 'test/deploy/bad-values');
const EXPECTED: Record<string, string> = {
  'one-replica-cluster.yaml': "at '/cluster/replicas': minimum: got 1, want 2",
  'cluster-without-postgres.yaml': "at '/cluster/postgres'",
  'misspelt-key.yaml': "additional properties 'persistance' not allowed",
  'short-token.yaml': "at '/token/value'",
  'replica-count.yaml': "additional properties 'replicaCount' not allowed",
};

refused('every bad values file has its expected error', () => {
  assert.equal(readdirSync(BAD).sort(), Object.keys(EXPECTED).sort());
});

for (const [file, message] of Object.entries(EXPECTED)) {
  refused(`${file}: helm template and helm lint fail with ${message}`, () => {
    assert.match(readFileSync(path.join(BAD, file), 'utf8'), /^# /, 'the file says why it is bad');
    for (const command of ['template', 'lint']) {
      const run = runHelm(ensureHelm(), [command, ...(command === 'template' ? ['tl'] : ['--strict']), CHART, '-f', path.join(BAD, file)]);
      assert.is.not(run.status, 0, `helm ${command} accepted ${file}`);
      assert.ok(`${run.stdout}${run.stderr}`.includes(message), `helm ${command} ${file}: ${run.stdout}${run.stderr}`);
    }
  });
}

refused.run();
