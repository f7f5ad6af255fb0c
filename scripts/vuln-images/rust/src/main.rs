//! Uses each dependency once so that all of them are linked in.
use linked_hash_map::LinkedHashMap;
use smallvec::SmallVec;
use std::cell::Cell;
use thread_local::ThreadLocal;

const GREETING: &str = "bulkhead";

fn main() {
    let mut v: SmallVec<[u8; 4]> = SmallVec::new();
    v.extend_from_slice(GREETING.as_bytes());
    let tl: ThreadLocal<Cell<usize>> = ThreadLocal::new();
    tl.get_or(|| Cell::new(v.len()));
    let mut map = LinkedHashMap::new();
    map.insert("encoded", base64::encode(&v));
    let now = time::now_utc();
    let pause = humantime::format_duration(std::time::Duration::from_secs(1));
    let arr: generic_array::GenericArray<u8, generic_array::typenum::U4> = generic_array::GenericArray::default();
    println!("{} {} {}", map["encoded"], tl.get().map_or(0, |c| c.get()) + arr.len() + std::mem::size_of::<lock_api::GuardNoSend>(), now.tm_year);
    println!("{pause}");
}
