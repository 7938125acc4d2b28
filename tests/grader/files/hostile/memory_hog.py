# 6a. No memory budget: fill 3 GiB (written, so it is really used).
answer = 42
hog = [b"x" * 2**28 for _ in range(12)]
