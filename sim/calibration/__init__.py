"""Calibration: fitting a market to a strategist's own figures (``stratsim calibrate``).

:mod:`sim.calibration.problem` reads and checks what is fitted (targets, free parameters),
:mod:`sim.calibration.search` proposes candidate markets and runs them through the experiment
executor, :mod:`sim.calibration.fit` scores them and says how well the figures pin the
parameters, and :mod:`sim.calibration.outputs` writes the calibrated scenario and the tables.
"""
