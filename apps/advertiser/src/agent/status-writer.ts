/** Writes BGPSession status: a JSON merge patch of the status subresource, through kube-runtime's client. */
import { GROUP, RESOURCES, STATUS_NAMESPACE, VERSION } from '@bgplb/api-types';
import { ApiError, describeError, type KubeClient, paths } from '@bgplb/kube-runtime';
import { type SessionStatusPatch, StatusWriteError, type StatusWriter } from './status-reporter.js';

export const AGENT_FIELD_MANAGER = 'bgpadvertiser-agent';

export class KubeStatusWriter implements StatusWriter {
  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string = STATUS_NAMESPACE,
  ) {}

  async write(name: string, status: SessionStatusPatch): Promise<void> {
    const path = paths.group(GROUP, VERSION, RESOURCES.BGPSession.plural, this.namespace, name, 'status');
    try {
      await this.client.mergePatch(`${path}?fieldManager=${AGENT_FIELD_MANAGER}`, { status });
    } catch (err) {
      throw new StatusWriteError(
        `writing status of BGPSession ${this.namespace}/${name} failed: ${describeError(err)}`,
        err instanceof ApiError ? err.status : undefined,
      );
    }
  }
}
