fn main() {
    println!("bulkhead (being written)");
}
