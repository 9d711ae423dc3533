"""Engine benchmarks: quality, speed, Find text, peers, montages (bench/README.md, "Engines")."""
