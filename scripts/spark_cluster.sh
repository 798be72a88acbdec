#!/usr/bin/env bash
# A throwaway Spark standalone cluster on 127.0.0.1 for the project's
# spark_cluster target (dbt-spark method thrift) and its tests: one master,
# two workers and the Spark Thrift server, all from the pyspark package
# (it ships the Thrift server's jar). The Thrift server is the cluster's
# driver; the workers run its executors.
#
#   scripts/spark_cluster.sh start   Java (apt) when missing, then start what is not running
#   scripts/spark_cluster.sh stop    stop all of it (tables stay in RPM_SPARK_CLUSTER_DIR)
#   scripts/spark_cluster.sh env     print the connection variables
#
# Tables are Parquet under $RPM_SPARK_CLUSTER_DIR/warehouse, the catalog an
# embedded Derby metastore the Thrift server holds. The workers, the Thrift
# server and receivables-load see the same file system (one machine; on a real
# cluster, a shared one: docs/spark.md).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
CLUSTER_DIR=${RPM_SPARK_CLUSTER_DIR:-${TMPDIR:-/tmp}/rpm_spark_cluster}
MASTER_PORT=${RPM_SPARK_MASTER_PORT:-7077}
THRIFT_PORT=${RPM_SPARK_THRIFT_PORT:-10001}
WORKER_CORES=${RPM_SPARK_WORKER_CORES:-1}
WORKER_MEMORY=${RPM_SPARK_WORKER_MEMORY:-2g}
MASTER_URL=spark://127.0.0.1:$MASTER_PORT

spark_home() {
    "$PYTHON" -c "import os, pyspark; print(os.path.dirname(pyspark.__file__))"
}

# Whether the process of a pid file is alive and is this cluster's (a pid
# the system reused for another program does not count).
running() {
    local pid
    [ -f "$CLUSTER_DIR/$1.pid" ] || return 1
    pid=$(cat "$CLUSTER_DIR/$1.pid")
    kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null \
        | grep -qF -- "$CLUSTER_DIR"
}

# Stops when a port is already taken by something else than this cluster.
port_free() {
    local port=$1 name=$2
    if "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" \
        2>/dev/null; then
        echo "spark_cluster: port $port (for the $name) is in use by another program;" \
            "stop it or choose another port (RPM_SPARK_MASTER_PORT, RPM_SPARK_THRIFT_PORT)" >&2
        exit 1
    fi
}

# Waits until a TCP port on 127.0.0.1 accepts connections (or fails).
wait_for_port() {
    local port=$1 name=$2
    for _ in $(seq 1 180); do
        if "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" \
            2>/dev/null; then
            return 0
        fi
        if ! running "$name"; then
            echo "spark_cluster: $name stopped while starting; see $CLUSTER_DIR/$name.log" >&2
            tail -20 "$CLUSTER_DIR/$name.log" >&2
            exit 1
        fi
        sleep 1
    done
    echo "spark_cluster: $name does not listen on port $port; see $CLUSTER_DIR/$name.log" >&2
    exit 1
}

# Starts a JVM in the background, its pid and log in CLUSTER_DIR.
launch() {
    local name=$1
    shift
    if running "$name"; then
        return 0
    fi
    (cd "$CLUSTER_DIR" && exec setsid "$@" >"$CLUSTER_DIR/$name.log" 2>&1 </dev/null) &
    echo $! >"$CLUSTER_DIR/$name.pid"
}

start() {
    "$ROOT/scripts/install_java.sh"
    local home
    home=$(spark_home)
    export SPARK_HOME=$home SPARK_LOG_DIR=$CLUSTER_DIR SPARK_NO_DAEMONIZE=1
    export SPARK_LOCAL_IP=127.0.0.1
    mkdir -p "$CLUSTER_DIR/warehouse"
    running master || port_free "$MASTER_PORT" master
    running thrift || port_free "$THRIFT_PORT" "Thrift server"
    # Every process names CLUSTER_DIR on its command line (here through an
    # empty properties file), which is how `running` knows it.
    : >"$CLUSTER_DIR/master.properties"
    launch master "$home/bin/spark-class" org.apache.spark.deploy.master.Master \
        --host 127.0.0.1 --port "$MASTER_PORT" --webui-port 0 \
        --properties-file "$CLUSTER_DIR/master.properties"
    wait_for_port "$MASTER_PORT" master
    for worker in 1 2; do
        mkdir -p "$CLUSTER_DIR/worker_$worker"
        launch "worker_$worker" "$home/bin/spark-class" org.apache.spark.deploy.worker.Worker \
            --host 127.0.0.1 --cores "$WORKER_CORES" --memory "$WORKER_MEMORY" \
            --work-dir "$CLUSTER_DIR/worker_$worker" --webui-port 0 "$MASTER_URL"
    done
    # The one Hive class pyspark lacks and a closing session needs (see the
    # script's docstring).
    "$PYTHON" "$ROOT/scripts/write_llap_signable_class.py" "$CLUSTER_DIR/classes"
    # The Thrift server, a Spark application on the cluster: one executor
    # per worker. The settings a session cannot change are here; the rest
    # travel with the profile (server_side_parameters).
    launch thrift "$home/bin/spark-submit" \
        --class org.apache.spark.sql.hive.thriftserver.HiveThriftServer2 \
        --name rpm-thrift-server \
        --master "$MASTER_URL" \
        --driver-memory 2g \
        --driver-class-path "$CLUSTER_DIR/classes" \
        --executor-memory "$WORKER_MEMORY" \
        --executor-cores "$WORKER_CORES" \
        --conf spark.ui.enabled=false \
        --conf "spark.sql.warehouse.dir=$CLUSTER_DIR/warehouse" \
        --conf "spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=$CLUSTER_DIR/metastore_db;create=true" \
        --conf spark.sql.autoBroadcastJoinThreshold=-1 \
        --hiveconf hive.server2.thrift.bind.host=127.0.0.1 \
        --hiveconf "hive.server2.thrift.port=$THRIFT_PORT" \
        spark-internal
    wait_for_port "$THRIFT_PORT" thrift
    echo "Spark standalone on $MASTER_URL (2 workers), Thrift server on 127.0.0.1:$THRIFT_PORT" \
        "(cluster in $CLUSTER_DIR)" >&2
}

stop() {
    for name in thrift worker_1 worker_2 master; do
        if running "$name"; then
            local pid
            pid=$(cat "$CLUSTER_DIR/$name.pid")
            kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
            # Wait for it to end (its port and the metastore lock free), then
            # force it.
            for _ in $(seq 1 30); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 1
            done
            kill -9 -- "-$pid" 2>/dev/null || true
        fi
        rm -f "$CLUSTER_DIR/$name.pid"
    done
}

print_env() {
    echo "export RPM_SPARK_THRIFT_HOST=127.0.0.1"
    echo "export RPM_SPARK_THRIFT_PORT=$THRIFT_PORT"
    printf 'export RPM_SPARK_CLUSTER_DIR=%q\n' "$CLUSTER_DIR"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) print_env ;;
    *)
        echo "usage: $0 start|stop|env" >&2
        exit 2
        ;;
esac
