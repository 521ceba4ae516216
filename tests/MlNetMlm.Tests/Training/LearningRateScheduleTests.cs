using MlNetMlm.Training;

namespace MlNetMlm.Tests.Training;

[TestClass]
public sealed class LearningRateScheduleTests
{
    // Values of HF's get_linear_schedule_with_warmup / get_cosine_schedule_with_warmup (num_cycles 0.5)
    // worked by hand for warm-up 4 and 20 total steps.
    [TestMethod]
    [DataRow(0L, 0.0)]
    [DataRow(2L, 0.5)]
    [DataRow(4L, 1.0)]
    [DataRow(12L, 0.5)]
    [DataRow(20L, 0.0)]
    [DataRow(25L, 0.0)]
    public void LinearWithWarmup(long step, double factor) =>
        Assert.AreEqual(factor, LearningRateSchedule.Factor(LearningRateScheduleKind.Linear, step, 4, 20), 1e-12);

    [TestMethod]
    [DataRow(1L, 0.25)]
    [DataRow(4L, 1.0)]
    [DataRow(12L, 0.5)]   // half-way through the decay: 0.5·(1 + cos(π/2))
    [DataRow(8L, 0.8535533905932737)] // a quarter: 0.5·(1 + cos(π/4))
    [DataRow(20L, 0.0)]
    public void CosineWithWarmup(long step, double factor) =>
        Assert.AreEqual(factor, LearningRateSchedule.Factor(LearningRateScheduleKind.Cosine, step, 4, 20), 1e-12);

    [TestMethod]
    public void WarmupFromRatioRoundsUp()
    {
        Assert.AreEqual(3, LearningRateSchedule.WarmupSteps(0, 0.1, 21));
        Assert.AreEqual(5, LearningRateSchedule.WarmupSteps(5, 0.1, 21), "explicit steps win");
        Assert.AreEqual(0, LearningRateSchedule.WarmupSteps(0, 0, 21));
    }
}
