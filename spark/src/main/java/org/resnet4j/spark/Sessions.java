package org.resnet4j.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The SparkSession of a command: the master spark-submit chose, else {@code --master}, else all local cores. */
final class Sessions {
    private Sessions() {}

    static SparkSession start(String appName, String master) {
        SparkConf conf = new SparkConf();
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        return SparkSession.builder().appName(appName).config(conf).getOrCreate();
    }
}
