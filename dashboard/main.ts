/** Entry point: defines every zf-* element (each file registers its tag) and lets <zf-app> take over. */
import './components/zf-app.js';
