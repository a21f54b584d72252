// A project's performance-issue detectors (Sentry's performance-issues/configure/): each detector on or off, its
// threshold, and the opt-in noise thresholds. Saved as one PUT; a refused value is shown and changes nothing.
// Beside it, the apdex and user-misery threshold (transaction-threshold/configure/).
import { api } from '../api.js';
import { h, toast } from '../dom.js';

const detectors = [
  ['n_plus_one_db_queries_detection_enabled', 'N+1 queries', 'n_plus_one_db_duration_threshold', 'ms in all'],
  ['n_plus_one_api_calls_detection_enabled', 'N+1 API calls', 'n_plus_one_api_calls_total_duration_threshold', 'ms in all'],
  ['slow_db_queries_detection_enabled', 'Slow DB queries', 'slow_db_query_duration_threshold', 'ms'],
  ['consecutive_db_queries_detection_enabled', 'Consecutive DB queries', 'consecutive_db_min_time_saved_threshold', 'ms saved'],
  ['large_http_payload_detection_enabled', 'Large HTTP payloads', 'large_http_payload_size_threshold', 'bytes'],
  ['uncompressed_assets_detection_enabled', 'Uncompressed assets', 'uncompressed_asset_size_threshold', 'bytes'],
  ['transaction_duration_regression_detection_enabled', 'Endpoint regressions', null, null],
];

export function performanceSettingsForm(base, settings) {
  const inputs = {};
  const rows = detectors.map(([flag, label, threshold, unit]) => {
    inputs[flag] = h('input', { type: 'checkbox', checked: settings[flag], dataset: { setting: flag } });
    if (threshold) inputs[threshold] = h('input', { type: 'number', value: settings[threshold], dataset: { setting: threshold }, 'aria-label': `${label} threshold` });
    return h('div', { class: 'row detector' },
      h('label', { class: 'row' }, inputs[flag], label),
      threshold ? h('span', { class: 'row' }, inputs[threshold], h('span', { class: 'muted small' }, unit)) : null);
  });
  inputs.noise_thresholds_enabled = h('input', { type: 'checkbox', checked: settings.noise_thresholds_enabled, dataset: { setting: 'noise_thresholds_enabled' } });
  const form = h('form', { class: 'stack', id: 'performance-settings' },
    h('p', { class: 'muted small' }, 'Detected in every transaction at ingest, with Sentry\u2019s default thresholds unless changed here.'),
    ...rows,
    h('label', { class: 'row' }, inputs.noise_thresholds_enabled, 'Wait for repeated sightings before opening an issue (Sentry\u2019s noise thresholds)'),
    h('div', null, h('button', { type: 'submit', class: 'primary' }, 'Save detectors')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    for (const [key, el] of Object.entries(inputs)) body[key] = el.type === 'checkbox' ? el.checked : Number(el.value);
    try {
      await api(`${base}/performance-issues/configure/`, { method: 'PUT', body });
      toast('Detectors saved');
    } catch (error) {
      toast(error.message);
    }
  });
  return form;
}

export function transactionThresholdForm(base, current) {
  const input = h('input', { type: 'number', min: '100', step: '100', value: current.threshold, id: 'apdex-threshold',
    'aria-label': 'Apdex threshold in milliseconds' });
  const form = h('form', { class: 'stack', id: 'transaction-threshold' },
    h('p', { class: 'muted small' }, 'A transaction up to this duration is satisfied, up to four times it tolerated; users past four times it are miserable. Sentry\u2019s default is 300 ms.'),
    h('label', { class: 'row' }, 'Apdex threshold ', input, h('span', { class: 'muted small' }, 'ms (a multiple of 100)')),
    h('div', null, h('button', { type: 'submit', class: 'primary' }, 'Save threshold')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api(`${base}/transaction-threshold/configure/`, { method: 'POST', body: { threshold: Number(input.value), metric: 'duration' } });
      toast('Apdex threshold saved');
    } catch (error) {
      toast(error.message);
    }
  });
  return form;
}
