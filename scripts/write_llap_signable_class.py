"""Writes the one class the Spark Thrift server misses, as a class file
under the folder given (put that folder on the Thrift server's class path).

pyspark ships Hive 2.3 without hive-llap-common. Hive's FunctionRegistry
registers the get_splits UDTF, whose class the JVM cannot verify without the
interface org.apache.hadoop.hive.llap.security.LlapSigner$Signable, so the
registry's static initializer fails with NoClassDefFoundError. The Thrift
server reaches it when a session closes on a thread without a Hive client
(SessionState.close -> Hive.get -> registerAllFunctionsOnce): the close
fails, and Hive's registration flag stays "pending" so later sessions can
hang (Spark added the same jar for its own tests: SPARK-51041). An empty
interface of that name is all verification needs; get_splits itself (LLAP
on Tez) stays unusable, as it is without the jar.

The class file is written byte by byte (a JRE has no javac): an empty public
interface, class file version 52 (Java 8).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

CLASS_NAME = "org/apache/hadoop/hive/llap/security/LlapSigner$Signable"
ACC_PUBLIC_INTERFACE_ABSTRACT = 0x0001 | 0x0200 | 0x0400


def utf8_constant(text: str) -> bytes:
    encoded = text.encode()
    return struct.pack(">BH", 1, len(encoded)) + encoded


def class_constant(name_index: int) -> bytes:
    return struct.pack(">BH", 7, name_index)


def empty_interface(name: str) -> bytes:
    # Constant pool (1-based): 1 name, 2 its class, 3 java/lang/Object, 4 its class.
    pool = (
        utf8_constant(name)
        + class_constant(1)
        + utf8_constant("java/lang/Object")
        + class_constant(3)
    )
    return (
        struct.pack(">IHHH", 0xCAFEBABE, 0, 52, 5)
        + pool
        # access, this class, super class, then no interfaces, fields,
        # methods or attributes
        + struct.pack(">HHHHHHH", ACC_PUBLIC_INTERFACE_ABSTRACT, 2, 4, 0, 0, 0, 0)
    )


def main() -> None:
    folder = Path(sys.argv[1])
    target = folder / f"{CLASS_NAME}.class"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(empty_interface(CLASS_NAME))


if __name__ == "__main__":
    main()
