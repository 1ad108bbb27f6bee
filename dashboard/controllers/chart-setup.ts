/**
 * Chart.js with only the parts the dashboard uses registered (tree-shaken), themed for the dark
 * UI. Imported dynamically by ChartController, so views without charts never load it.
 */
import {
  Chart,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend, Tooltip, Decimation);
Chart.defaults.color = '#aab4c3';
Chart.defaults.borderColor = 'rgba(170,180,195,0.15)';
Chart.defaults.font.family = 'Inter, system-ui, sans-serif';

export { Chart };
