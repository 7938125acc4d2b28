# 6c. A wall-clock guard that grows with the cell count: this cell is followed by many cells
#     that each sleep just under the cell timeout (the test adds them).
import time
time.sleep(4)
