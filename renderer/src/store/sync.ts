import { api, connection } from '../api/connection';
import { useStore } from './index';

/**
 * Wires the store to the core: events update the mirrors, and every (re)connect refetches them,
 * since events sent while the socket was down are lost. Returns the teardown.
 */
export function startSync(): () => void {
  const s = useStore.getState;
  const refetch = (): void => {
    void s().loadJobs();
    s().reloadJobLogs();
    void s().loadModels();
    void s().loadHardware();
    void s().loadChatHost();
    void s().loadEndpointStatus();
    s().reloadTraining();
    s().reloadSdg();
    void s().loadPipelineRuns();
    if (s().chatOpened) void s().openChat();
  };
  const offs = [
    api.on('jobs.changed', (job) => s().applyJobChanged(job)),
    api.on('jobs.logged', (e) => s().applyJobLogged(e)),
    api.on('models.changed', (e) => s().applyModelChanged(e)),
    api.on('system.hardwareChanged', (info) => s().applyHardwareChanged(info)),
    api.on('jobs.changed', (job) => s().applyTrainingJobChanged(job)),
    api.on('training.progress', (e) => s().applyTrainingProgress(e)),
    api.on('sdg.progress', (e) => s().applySdgProgress(e)),
    api.on('sdg.sampled', (e) => s().applySdgSampled(e)),
    api.on('sdg.arrived', (e) => s().applySdgArrived(e)),
    api.on('python.changed', (status) => s().applyPythonChanged(status)),
    api.on('chat.hostChanged', (host) => s().applyHostChanged(host)),
    api.on('chat.changed', (e) => s().applyChatChanged(e)),
    api.on('endpoint.changed', (status) => s().applyEndpointChanged(status)),
    api.on('taxonomy.changed', () => s().applyTaxonomyChanged()),
    api.on('pipeline.changed', (record) => s().applyPipelineChanged(record)),
    connection.onState((state) => {
      s().setConnection(state);
      if (state === 'open') refetch();
    }),
  ];
  if (connection.transport === 'ipc') refetch();
  return () => offs.forEach((off) => off());
}
