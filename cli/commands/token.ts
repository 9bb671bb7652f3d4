import { resolve } from 'node:path';
import { defineCommand } from 'citty';
import { UsageError } from '../errors.js';

/** `recs token --viewer ID | --service`: a JWT that `recs serve` accepts, signed with the data dir's key. */
export default defineCommand({
  meta: { name: 'token', description: "Print a bearer token for `recs serve` (a viewer's, or the login service's)." },
  args: {
    viewer: { type: 'string', description: "viewer id: the token may read only this viewer's offers" },
    service: { type: 'boolean', description: 'a service token carrying the offers scope (reads any viewer)' },
    scope: { type: 'string', description: 'scope for --service (default $OFFERS_SERVICE_SCOPE or offers/read)' },
    'expires-in': { type: 'string', description: 'lifetime in seconds', default: '3600' },
    'data-dir': {
      type: 'string',
      description: 'data dir whose signing key to use (created if absent)',
      default: '.recs',
    },
    json: { type: 'boolean', description: 'print {"token","subject","scope","expiresAt"}' },
  },
  async run({ args }) {
    const { VIEWER_ID_PATTERN, VIEWER_ID_RULE } = await import('../../contracts/ids.js');
    const jwt = await import('../../local/jwt-keys.js');
    const viewer = args.viewer;
    if ((viewer === undefined) === !args.service) throw new UsageError('give exactly one of --viewer ID or --service');
    if (viewer !== undefined && !VIEWER_ID_PATTERN.test(viewer)) {
      throw new UsageError(`--viewer must be ${VIEWER_ID_RULE}`);
    }
    const expiresInSeconds = Number(args['expires-in']);
    if (!/^\d+$/.test(args['expires-in']) || expiresInSeconds < 1 || expiresInSeconds > 30 * 86_400) {
      throw new UsageError('--expires-in must be a whole number of seconds from 1 to 2592000');
    }
    const scope = args.service
      ? (args.scope ?? process.env.OFFERS_SERVICE_SCOPE ?? jwt.DEFAULT_SERVICE_SCOPE)
      : undefined;
    const subject = viewer ?? jwt.DEFAULT_SERVICE_SUBJECT;

    const key = await jwt.loadOrCreateSigningKey(resolve(args['data-dir']));
    const now = new Date();
    const token = await jwt.signToken(key, { subject, expiresInSeconds, now, ...(scope ? { scope } : {}) });
    if (args.json) {
      const expiresAt = new Date(now.getTime() + expiresInSeconds * 1000).toISOString();
      process.stdout.write(`${JSON.stringify({ token, subject, scope: scope ?? null, expiresAt })}\n`);
    } else {
      process.stdout.write(`${token}\n`);
    }
  },
});
