//! Benchmarks of the metric kernel on a 31-value series (a 30-year project).

fn main() {
    divan::main();
}
