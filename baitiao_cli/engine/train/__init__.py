"""The PD model: binning with weight of evidence, L2 logistic regression, metrics, model file.

Scoring with a trained model (``modelfile``) and the metrics (``metrics``) are pure Python;
only fitting (``fit``, ``logistic``) imports numpy, and only when it runs. Importing this
package imports nothing heavy.
"""
