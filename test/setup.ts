import * as tf from '@tensorflow/tfjs';

// Quiet tfjs' "install tfjs-node" banner (printed on the cpu backend's first use) in test output;
// backend choice is tested on its own.
tf.env().set('PROD', true);
