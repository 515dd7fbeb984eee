//! Connection-level calls (`virConnect*`, `virNode*`) with the answers of libvirt 9.0's test
//! driver. Calls it does not support keep the trait's NoSupport default.

use async_trait::async_trait;
use virtbus_core::{
    args, cpu,
    driver::ConnectDriver,
    flags::check_flags,
    params::{self, TypedParams},
    Error, Result,
};

use crate::{host, TestDriver};

#[async_trait]
impl ConnectDriver for TestDriver {
    async fn hostname(&self) -> Result<String> {
        hostname::get()
            .map(|h| h.to_string_lossy().into_owned())
            .map_err(|e| Error::System(format!("failed to determine host name: {e}")))
    }

    async fn version(&self) -> Result<u64> {
        Ok(host::VERSION)
    }

    async fn lib_version(&self) -> Result<u64> {
        Ok(host::LIB_VERSION)
    }

    async fn is_encrypted(&self) -> Result<bool> {
        Ok(false)
    }

    async fn is_secure(&self) -> Result<bool> {
        Ok(true)
    }

    async fn capabilities(&self) -> Result<String> {
        Ok(host::capabilities())
    }

    async fn sysinfo(&self, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testConnectGetSysinfo")?;
        Ok(host::sysinfo())
    }

    async fn cpu_model_names(&self, arch: &str, flags: u32) -> Result<Vec<String>> {
        check_flags(flags, 0, "testConnectGetCPUModelNames")?;
        cpu::model_names(arch)
    }

    async fn baseline_cpu(&self, xml_cpus: &[String], flags: u32) -> Result<String> {
        cpu::baseline_xml(
            xml_cpus,
            flags,
            cpu::BASELINE_EXPAND_FEATURES,
            "testConnectBaselineCPU",
        )
    }

    async fn node_cpu_map(&self, flags: u32) -> Result<Vec<bool>> {
        check_flags(flags, 0, "testNodeGetCPUMap")?;
        Ok(host::CPU_MAP.to_vec())
    }

    async fn node_cpu_stats(&self, cpu: i32, flags: u32) -> Result<Vec<(String, u64)>> {
        args::minus_one_or_more(cpu, "cpuNum", "virNodeGetCPUStats")?;
        check_flags(flags, 0, "testNodeGetCPUStats")?;
        Ok(host::CPU_STATS
            .iter()
            .map(|(name, value)| ((*name).to_owned(), *value))
            .collect())
    }

    async fn node_free_memory(&self) -> Result<u64> {
        Ok(host::FREE_MEMORY)
    }

    async fn node_set_memory_parameters(&self, params: TypedParams, _flags: u32) -> Result<()> {
        params::require_some(&params, "virNodeSetMemoryParameters")?;
        Err(Error::NoSupport("virNodeSetMemoryParameters"))
    }

    async fn node_security_model(&self) -> Result<(String, String)> {
        let (model, doi) = host::SECURITY_MODEL;
        Ok((model.to_owned(), doi.to_owned()))
    }
}
