import * as z from 'zod/mini';
import { PartnerId } from '../../contracts/ids.js';
import { ConfigError } from '../_shared/errors.js';
import { type Experiment, experimentFromEnv } from '../_shared/experiment.js';

// Partner ids are lower-case (docs/contracts.md); a template must say where the show id goes.
const DeepLinkTemplates = z.record(PartnerId, z.string().check(z.includes('{showId}')));

const Env = z.object({
  TABLE_NAME: z.string().check(z.minLength(1)),
  OFFERS_SERVICE_SCOPE: z._default(z.string().check(z.minLength(1)), 'offers/read'),
  DEEP_LINK_TEMPLATES: z._default(z.string(), '{}'),
});

/** What the offers Lambda reads from its environment, parsed once at cold start. */
export interface OffersConfig {
  tableName: string;
  serviceScope: string;
  deepLinkTemplates: Readonly<Record<string, string>>;
  /** EXPERIMENT_* (issue #18); absent when the stage runs no experiment. */
  experiment?: Experiment;
}

/** Parses the offers Lambda's environment; throws ConfigError naming the variable at fault. */
export function loadOffersConfig(env: Readonly<Record<string, string | undefined>>): OffersConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    throw new ConfigError(`invalid environment: ${names.join(', ')}`);
  }
  let templates: unknown;
  try {
    templates = JSON.parse(parsed.data.DEEP_LINK_TEMPLATES);
  } catch (error) {
    throw new ConfigError('DEEP_LINK_TEMPLATES is not JSON', { cause: error });
  }
  const deepLinkTemplates = DeepLinkTemplates.safeParse(templates);
  if (!deepLinkTemplates.success) {
    throw new ConfigError('DEEP_LINK_TEMPLATES must map partner ids to URL templates containing {showId}');
  }
  const experiment = experimentFromEnv(env);
  return {
    tableName: parsed.data.TABLE_NAME,
    serviceScope: parsed.data.OFFERS_SERVICE_SCOPE,
    deepLinkTemplates: deepLinkTemplates.data,
    ...(experiment ? { experiment } : {}),
  };
}
